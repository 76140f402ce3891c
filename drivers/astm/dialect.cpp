#include "drivers/astm/dialect.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <vector>

#include "core/ids.h"
#include "drivers/astm/message.h"

namespace kotona::drivers::astm {

namespace {

// Generic LIS2-A2: the reference local codes pass unchanged; LOINC codes in R.3.1 (with no
// local code) name the same tests.
constexpr std::array kLis2a2Tests{
    TestAlias{1, "6301-6", "INR"},   // INR in platelet poor plasma by coagulation assay
    TestAlias{1, "41653-7", "GLU"},  // glucose [mass/volume] capillary blood by glucometer
    TestAlias{1, "2339-0", "GLU"},   // glucose [mass/volume] blood
    TestAlias{1, "2345-7", "GLU"},   // glucose [mass/volume] serum or plasma
};

constexpr std::array kContourTests{TestAlias{4, "Glucose", "GLU"}};
constexpr std::array kContourMarkers{
    MarkerCode{"B", Marker::kBeforeMeal}, MarkerCode{"A", Marker::kAfterMeal},
    MarkerCode{"C", Marker::kControl},    MarkerCode{"<", Marker::kBelowRange},
    MarkerCode{">", Marker::kAboveRange},
};

constexpr std::array kDialects{
    Dialect{.name = "contour",
            .sender_prefix = "Bayer",
            .vendor = "Ascensia",
            .serial = SerialAt::kAfterVersions,
            .results_without_order = true,
            .result_time_field = 9,
            .marker_field = 7,
            .tests = kContourTests,
            .markers = kContourMarkers},
    Dialect{.name = "lis2-a2",
            .sender_prefix = "",
            .vendor = "",
            .serial = SerialAt::kComponent3,
            .results_without_order = false,
            .result_time_field = 0,
            .marker_field = 0,
            .tests = kLis2a2Tests,
            .markers = {}},
};

// Text safe inside a reference-layout component: the reference delimiters escaped.
std::string escaped(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "&F&";
    else if (c == '^')
      out += "&S&";
    else if (c == '\\')
      out += "&R&";
    else if (c == '&')
      out += "&E&";
    else
      out += c;
  }
  return out;
}

// Model and firmware text: only id characters survive (they name, they do not identify).
std::string id_chars(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') out += c;
  }
  return out;
}

std::string_view serial_of(const Record& h, const Dialect& d) {
  if (d.serial == SerialAt::kComponent3) return h.component(5, 3);
  const std::size_t repeats = h.field_count() >= 5 ? h.fields[4].size() : 0;  // field(5)
  if (repeats <= 1) return h.component(5, 3);  // one version: product^version^serial
  return h.component(5, 2, repeats);           // last version repeat ^serial
}

// The H record in the reference layout: H|\^&|||vendor^model^serial^firmware|...|H.14
Result<std::string> reference_header(const Record& h, const Dialect& d) {
  const std::string serial(serial_of(h, d));
  if (!is_valid_id_text(serial)) {
    return fail(Errc::kMalformed, 0,
                "H.5 device serial missing or not [A-Za-z0-9._-]{1,64} (dialect " +
                    std::string(d.name) + ")");
  }
  const std::string vendor = d.vendor.empty() ? id_chars(h.component(5, 1)) : std::string(d.vendor);
  return "H|\\^&|||" + escaped(vendor) + "^" + id_chars(h.component(5, 1)) + "^" + serial + "^" +
         id_chars(h.component(5, 2)) + "|||||||P|LIS2-A2|" + id_chars(h.component(14)) + "\r";
}

std::optional<std::string_view> alias(const Record& r, const Dialect& d) {
  for (const auto& t : d.tests) {
    if (r.component(3, t.component) == t.sent && (t.component == 4 || r.component(3, 4).empty())) {
      return t.reference;
    }
  }
  return std::nullopt;
}

struct Markers {
  bool control = false;
  std::string flag;  // R.7 in the reference layout: "<", ">" or ""
  std::string meal;  // C.4 MEAL^<meal> or ""
};

Markers markers_of(const Record& r, const Dialect& d) {
  Markers m;
  if (d.marker_field == 0) return m;
  std::string_view text = r.component(d.marker_field);
  while (!text.empty()) {
    const std::size_t slash = std::min(text.find('/'), text.size());
    const std::string_view code = text.substr(0, slash);
    text.remove_prefix(std::min(slash + 1, text.size()));
    for (const auto& mc : d.markers) {
      if (mc.code != code) continue;
      if (mc.meaning == Marker::kControl)
        m.control = true;
      else if (mc.meaning == Marker::kBelowRange)
        m.flag = "<";
      else if (mc.meaning == Marker::kAboveRange)
        m.flag = ">";
      else if (mc.meaning == Marker::kBeforeMeal)
        m.meal = "BEFORE";
      else if (mc.meaning == Marker::kAfterMeal)
        m.meal = "AFTER";
      else if (mc.meaning == Marker::kFasting)
        m.meal = "FASTING";
    }
  }
  return m;
}

// One result of a no-O dialect as a reference O block. The record id is the test time and
// value: R.2 is only the position in this transfer and moves as the memory fills, so it would
// give one result a new reading_uid every transfer.
std::string reference_block(const Record& r, std::string_view test, const Dialect& d,
                            bool order_marked_control) {
  const Markers m = markers_of(r, d);
  const std::string time = id_chars(r.component(d.result_time_field));
  const std::string value = escaped(r.component(4));
  const std::string id = "t" + time + "-" + id_chars(r.component(4));
  std::string out = "O|1|" + id + "||^^^" + std::string(test) + "|||" + time + "||||" +
                    (m.control || order_marked_control ? "Q" : "") + "\r";
  out += "R|1|^^^" + std::string(test) + "|" + value + "|" + escaped(r.component(5)) + "||" +
         m.flag + "||F\r";
  if (!m.meal.empty()) out += "C|1|I|MEAL^" + m.meal + "|G\r";
  return out;
}

// A record of the generic form, with a LOINC test id replaced by the reference local code.
std::string with_local_code(const Line& line, char field_delimiter, std::string_view test) {
  const std::string_view text = line.text;
  const std::size_t f2 = text.find(field_delimiter, text.find(field_delimiter) + 1);
  const std::size_t f3 = text.find(field_delimiter, f2 + 1);
  std::string out(text.substr(0, f2 + 1));
  out += "^^^" + std::string(test);
  if (f3 != std::string_view::npos) out += text.substr(f3);
  return out;
}

Result<std::string> translate_generic(std::string_view text, const std::vector<Line>& lines,
                                      const Delimiters& delimiters, const Dialect& d) {
  std::string out;
  bool changed = false;
  for (const auto& line : lines) {
    auto record = parse_record(line.text, delimiters);
    const auto test = (record && record->type == 'R') ? alias(*record, d) : std::nullopt;
    if (test && record->component(3, 4) != *test) {
      out += with_local_code(line, delimiters.field, *test) + "\r";
      changed = true;
    } else {
      out += std::string(line.text) + "\r";
    }
  }
  return changed ? out : std::string(text);
}

Result<std::string> translate_without_order(const Record& h, const std::vector<Line>& lines,
                                            const Delimiters& delimiters, const Dialect& d) {
  auto out = reference_header(h, d);
  if (!out) return out;
  bool control_order = false;  // an O with action code Q marks the result it announces
  for (std::size_t i = 1; i < lines.size(); ++i) {
    auto record = parse_record(lines[i].text, delimiters);
    if (!record) {
      *out += std::string(lines[i].text) + "\r";  // the reference walk reports it
      continue;
    }
    if (record->type == 'O') {
      control_order = record->component(12) == "Q";
    } else if (record->type == 'R') {
      if (auto test = alias(*record, d)) *out += reference_block(*record, *test, d, control_order);
      control_order = false;
    } else if (record->type == 'P' || record->type == 'L') {
      *out += std::string(1, record->type) + "|1" + (record->type == 'L' ? "|N" : "") + "\r";
    }  // C and other records carry nothing the reference layout reads
  }
  return out;
}

}  // namespace

std::span<const Dialect> all_dialects() { return kDialects; }

const Dialect& select_dialect(const Record& h) {
  const std::string_view sender = h.component(5, 1);
  for (const auto& d : kDialects) {
    if (!d.sender_prefix.empty() && sender.starts_with(d.sender_prefix)) return d;
  }
  return kDialects.back();
}

Result<std::string> to_reference_layout(std::string_view text) {
  const auto lines = split_records(text);
  if (lines.empty()) return fail(Errc::kTruncated, 0, "empty message");
  auto delimiters = parse_delimiters(lines.front().text);
  if (!delimiters) return fail(delimiters.error());
  auto header = parse_record(lines.front().text, *delimiters);
  if (!header) return fail(header.error());
  const Dialect& d = select_dialect(*header);
  if (d.results_without_order) return translate_without_order(*header, lines, *delimiters, d);
  return translate_generic(text, lines, *delimiters, d);
}

}  // namespace kotona::drivers::astm
