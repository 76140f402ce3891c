// The Observation's narrative (Observation.text): Finnish or Swedish XHTML, every value with
// its unit, the measured time and what the quality flags mean; and the shared datatypes.
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>

#include "core/text.h"
#include "server/fhir/observation_parts.h"

namespace kotona::server::fhir::detail {

namespace json = boost::json;

namespace {

constexpr std::string_view kLoinc = "http://loinc.org";
constexpr std::string_view kMdc = "urn:iso:std:iso:11073:10101";
constexpr std::string_view kUcum = "http://unitsofmeasure.org";
constexpr std::string_view kLocalTerm = "urn:kotona:fhir:term";

}  // namespace

std::optional<double> Values::number(std::string_view key) const {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_number()) return std::nullopt;
  return it->value().to_number<double>();
}

std::optional<std::string> Values::text(std::string_view key) const {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

json::object concept_of(const codes::Code& c, std::string_view text) {
  json::array codings;
  if (!c.loinc.empty()) {
    codings.push_back(json::object{{"system", kLoinc}, {"code", c.loinc}, {"display", text}});
  }
  json::object mdc{{"system", kMdc}};
  if (c.mdc != 0) mdc["code"] = std::to_string(c.mdc);
  mdc["display"] = c.mdc_ref;
  codings.push_back(std::move(mdc));
  return json::object{{"coding", std::move(codings)}, {"text", text}};
}

json::object local_concept(std::string_view code, std::string_view text) {
  return json::object{{"coding", json::array{json::object{{"system", kLocalTerm}, {"code", code}}}},
                      {"text", text}};
}

json::object quantity(double value, std::string_view ucum) {
  return json::object{{"value", value}, {"unit", ucum}, {"system", kUcum}, {"code", ucum}};
}

json::object component(const codes::Code& c, std::string_view text, double value) {
  return json::object{{"code", concept_of(c, text)}, {"valueQuantity", quantity(value, c.ucum)}};
}

Unexpected missing(const store::StoredReading& row, std::string_view what) {
  return fail(Errc::kMalformed,
              "reading " + row.uid.value + " (" + row.kind + "): no " + std::string(what));
}

std::string comparator_of(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return {};
  const auto& symbol = it->value().get_string();
  return (symbol == "<" || symbol == ">") ? std::string(symbol) : std::string();
}

std::string decimal_comma(double x) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, x);
  std::string out(buffer, ec == std::errc() ? end : buffer);
  for (char& c : out) {
    if (c == '.') c = ',';
  }
  return out;
}

std::string value_text(const std::string& comparator, double x, std::string_view unit) {
  std::string out = comparator.empty() ? "" : comparator + " ";
  out += decimal_comma(x);
  if (!unit.empty()) out += (unit == "%" ? "" : " ") + std::string(unit);
  return out;
}

Names unit_names(std::string_view unit_text) {
  while (!unit_text.empty() && unit_text.front() == ' ') unit_text.remove_prefix(1);
  return Names{unit_text, unit_text};
}

void Narrative::line(std::string fi, std::string sv) {
  lines_.emplace_back(std::move(fi), std::move(sv));
}

void Narrative::value(const Names& name, const std::string& comparator, double number,
                      const Names& unit) {
  line(std::string(name.fi) + ": " + value_text(comparator, number, unit.fi),
       std::string(name.sv) + ": " + value_text(comparator, number, unit.sv));
}

json::object Narrative::text(NarrativeLanguage language) const {
  const bool sv = language == NarrativeLanguage::kSwedish;
  std::string div = R"(<div xmlns="http://www.w3.org/1999/xhtml"><p><b>)";
  div += html_escape(sv ? title_.sv : title_.fi) + "</b></p><ul>";
  for (const auto& [fi_text, sv_text] : lines_)
    div += "<li>" + html_escape(sv ? sv_text : fi_text) + "</li>";
  div += "</ul></div>";
  return json::object{{"status", "generated"}, {"div", std::move(div)}};
}

Texts time_texts(HubTime measured, TimePrecision precision) {
  using namespace std::chrono;
  const auto day = floor<days>(measured);
  const year_month_day ymd{day};
  const hh_mm_ss<minutes> hm{floor<minutes>(measured - day)};
  char date[32];
  std::snprintf(date, sizeof date, "%u.%u.%d", static_cast<unsigned>(ymd.day()),
                static_cast<unsigned>(ymd.month()), static_cast<int>(ymd.year()));
  Texts out{std::string("Aika: ") + date, std::string("Tid: ") + date};
  if (precision != TimePrecision::kDay) {
    char clock[64];
    if (precision == TimePrecision::kHour) {
      std::snprintf(clock, sizeof clock, "%ld.00–%ld.59", static_cast<long>(hm.hours().count()),
                    static_cast<long>(hm.hours().count()));
    } else {
      std::snprintf(clock, sizeof clock, "%ld.%02ld", static_cast<long>(hm.hours().count()),
                    static_cast<long>(hm.minutes().count()));
    }
    out.fi += std::string(" klo ") + clock + " UTC";
    out.sv += std::string(" kl. ") + clock + " UTC";
  }
  return out;
}

std::optional<Names> quality_flag_names(std::string_view flag) {
  static constexpr std::pair<std::string_view, Names> kFlags[] = {
      {"clock_suspect",
       {"Laitteen kello oli väärässä; aika on korjattu kotiyksikön mittaamalla erolla",
        "Enhetens klocka gick fel; tiden är korrigerad med hemenhetens uppmätta skillnad"}},
      {"clock_missing",
       {"Laite ei lähettänyt aikaa; aika on kotiyksikön vastaanottoaika",
        "Enheten skickade ingen tid; tiden är hemenhetens mottagningstid"}},
      {"irregular_pulse",
       {"Laite havaitsi epäsäännöllisen pulssin", "Enheten upptäckte oregelbunden puls"}},
      {"body_movement",
       {"Laite havaitsi liikettä mittauksen aikana", "Enheten upptäckte rörelse under mätningen"}},
      {"device_error", {"Laite ilmoitti mittausongelmasta", "Enheten rapporterade ett mätproblem"}},
      {"implausible",
       {"Arvo on fysiologisten rajojen ulkopuolella: laitevika tai väärinkäyttö mahdollinen; "
        "kliinistä hälytystä ei tehty",
        "Värdet ligger utanför fysiologiska gränser: enhetsfel eller manipulering misstänks; "
        "inget kliniskt larm gavs"}},
      {"uid_conflict",
       {"Toisella, eri arvoja sisältävällä mittauksella oli sama tunniste; molemmat on säilytetty",
        "En annan mätning med andra värden hade samma id; båda har sparats"}}};
  for (const auto& [name, text] : kFlags) {
    if (name == flag) return text;
  }
  return std::nullopt;
}

}  // namespace kotona::server::fhir::detail
