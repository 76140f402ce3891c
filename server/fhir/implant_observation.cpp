// The cardiac implant remote follow-up summary as one Observation: IEEE 11073-10103 (IDC)
// components from core/codes.h, and its narrative lines (Finnish, Swedish).
#include <boost/json.hpp>

#include "server/fhir/observation_parts.h"

namespace kotona::server::fhir::detail {

namespace json = boost::json;

namespace {

constexpr std::string_view kBatteryStatusSystem = "urn:kotona:fhir:implant-battery-status";
constexpr std::string_view kMdc = "urn:iso:std:iso:11073:10101";
// HL7 CardX-CIED (trial use, FHIR R5; docs/fhir.md) codes its implant Observation MDC 720908
// (marked a temporary code there) and battery status RRT as MDC 754115: used where they exist,
// beside Kotona's local codes, which stay for the terms CardX does not give.
constexpr std::string_view kCardxObservationCode = "720908";
constexpr std::string_view kMdcBatteryRrt = "754115";

json::object summary_code() {
  json::object code = local_concept("implant-summary", "Cardiac implant remote follow-up summary");
  auto& codings = code["coding"].as_array();
  codings.insert(codings.begin(),
                 json::object{{"system", kMdc},
                              {"code", kCardxObservationCode},
                              {"display", "Implantable Device Cardiac Observation"}});
  return code;
}

json::object battery_status_value(const std::string& status) {
  json::array codings;
  if (status == battery_status_name(BatteryStatus::kRrtEri)) {
    codings.push_back(json::object{{"system", kMdc}, {"code", kMdcBatteryRrt}, {"display", "RRT"}});
  }
  codings.push_back(json::object{{"system", kBatteryStatusSystem}, {"code", status}});
  return json::object{{"coding", std::move(codings)}, {"text", status}};
}

// One implant value: the component's English text, its narrative names and unit.
struct Item {
  std::string text;
  Texts names;
};

Names unit_of(const codes::Code& c) {
  if (c.ucum == "mo") return {"kk", "mån"};
  if (c.ucum == "Ohm") return {"ohmia", "ohm"};
  return {c.ucum, c.ucum};
}

// An implant value as a component, when present, with the relay's range indicator stored as
// "<key>_comparator" (invariant 14) as its Quantity.comparator; and its narrative line.
void add_value(const Values& v, std::string_view key, const codes::Code& c, const Item& item,
               json::array& parts, Narrative& narrative) {
  auto x = v.number(key);
  if (!x) return;
  json::object part = component(c, item.text, *x);
  const std::string symbol = comparator_of(v.o, std::string(key) + "_comparator");
  if (!symbol.empty()) part["valueQuantity"].as_object()["comparator"] = symbol;
  parts.push_back(std::move(part));
  const Names unit = unit_of(c);
  narrative.line(item.names.fi + ": " + value_text(symbol, *x, unit.fi),
                 item.names.sv + ": " + value_text(symbol, *x, unit.sv));
}

void add_chambers(const Values& v, json::array& parts, Narrative& narrative) {
  struct Chamber {
    std::string_view key;
    std::string_view name;
    codes::Code impedance, sensing, threshold, paced;
  };
  const Chamber chambers[] = {
      {"right_atrium", "RA", codes::kLeadImpedanceByChamber.ra,
       codes::kSensingAmplitudeByChamber.ra, codes::kCaptureThresholdByChamber.ra,
       codes::kPacedPercentByChamber.ra},
      {"right_ventricle", "RV", codes::kLeadImpedanceByChamber.rv,
       codes::kSensingAmplitudeByChamber.rv, codes::kCaptureThresholdByChamber.rv,
       codes::kPacedPercentByChamber.rv},
      {"left_ventricle", "LV", codes::kLeadImpedanceByChamber.lv,
       codes::kSensingAmplitudeByChamber.lv, codes::kCaptureThresholdByChamber.lv,
       codes::kPacedPercentByChamber.lv}};
  for (const auto& c : chambers) {
    auto it = v.o.find(c.key);
    if (it == v.o.end() || !it->value().is_object()) continue;
    Values ch{v.row, it->value().get_object()};
    const std::string n(c.name);
    add_value(ch, "lead_impedance_ohm", c.impedance,
              {n + " lead impedance", {n + " johdon impedanssi", n + " elektrodimpedans"}}, parts,
              narrative);
    add_value(ch, "sensing_amplitude_mv", c.sensing,
              {n + " sensing amplitude", {n + " tunnistusamplitudi", n + " avkänningsamplitud"}},
              parts, narrative);
    add_value(ch, "capture_threshold_v", c.threshold,
              {n + " capture threshold", {n + " stimulaatiokynnys", n + " stimuleringströskel"}},
              parts, narrative);
    add_value(ch, "paced_percent", c.paced,
              {n + " percent paced", {n + " tahdistusosuus", n + " andel stimulering"}}, parts,
              narrative);
  }
}

void add_count(const Values& v, std::string_view key, json::object code, const Item& item,
               json::array& parts, Narrative& narrative) {
  auto x = v.number(key);
  if (!x) return;
  const auto count = static_cast<std::int64_t>(*x);
  parts.push_back(json::object{{"code", std::move(code)}, {"valueInteger", count}});
  narrative.line(item.names.fi + ": " + std::to_string(count),
                 item.names.sv + ": " + std::to_string(count));
}

}  // namespace

Result<void> fill_implant(const Values& v, json::object& obs, Narrative& narrative) {
  auto status = v.text("battery_status");
  if (!status) return missing(v.row, "battery_status");
  obs["code"] = summary_code();
  json::array parts{
      json::object{{"code", concept_of(codes::kImplantBatteryStatus, "Battery status")},
                   {"valueCodeableConcept", battery_status_value(*status)}}};
  narrative.line("Pariston tila: " + *status, "Batteristatus: " + *status);
  add_value(v, "battery_voltage_v", codes::kImplantBatteryVoltage,
            {"Battery voltage", {"Pariston jännite", "Batterispänning"}}, parts, narrative);
  add_value(v, "longevity_months", codes::kImplantLongevity,
            {"Remaining longevity",
             {"Arvioitu jäljellä oleva käyttöikä", "Beräknad återstående livslängd"}},
            parts, narrative);
  add_chambers(v, parts, narrative);
  add_value(v, "at_af_burden_percent", codes::kAtAfBurden,
            {"AT/AF burden", {"AT/AF-kuorma", "AT/AF-börda"}}, parts, narrative);
  add_count(v, "at_af_episodes", local_concept("at_af_episodes", "AT/AF episodes"),
            {"", {"AT/AF-jaksot", "AT/AF-episoder"}}, parts, narrative);
  add_count(v, "vt_vf_episodes", local_concept("vt_vf_episodes", "VT/VF episodes"),
            {"", {"VT/VF-jaksot", "VT/VF-episoder"}}, parts, narrative);
  add_count(v, "atp_therapies", concept_of(codes::kAtpDelivered, "ATP therapies"),
            {"", {"ATP-hoidot", "ATP-behandlingar"}}, parts, narrative);
  add_count(v, "shocks_delivered", concept_of(codes::kShocksDelivered, "Shocks delivered"),
            {"", {"Iskuhoidot", "Chockbehandlingar"}}, parts, narrative);
  obs["component"] = std::move(parts);
  return {};
}

}  // namespace kotona::server::fhir::detail
