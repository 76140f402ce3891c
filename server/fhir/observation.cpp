// One stored reading -> one FHIR R4 Observation: codes from core/codes.h (LOINC + MDC), UCUM
// units, measured time, subject, device, reading uid, gateway provenance, quality flags.
#include <boost/json.hpp>
#include <string>

#include "core/codes.h"
#include "core/kinds.h"
#include "server/fhir/bundle.h"
#include "server/fhir/time_range.h"
#include "server/fhir/uuid.h"
#include "server/store/store.h"

namespace kotona::server::fhir {

namespace json = boost::json;

namespace {

constexpr std::string_view kLoinc = "http://loinc.org";
constexpr std::string_view kMdc = "urn:iso:std:iso:11073:10101";
constexpr std::string_view kUcum = "http://unitsofmeasure.org";
constexpr std::string_view kCategorySystem =
    "http://terminology.hl7.org/CodeSystem/observation-category";
// Kotona's own code systems and extensions (README.md): terms the tables do not cover.
constexpr std::string_view kLocalTerm = "urn:kotona:fhir:term";
constexpr std::string_view kBatteryStatusSystem = "urn:kotona:fhir:implant-battery-status";
constexpr std::string_view kReadingUidSystem = "urn:kotona:reading-uid";
constexpr std::string_view kExtGateway = "urn:kotona:fhir:extension:gateway";
constexpr std::string_view kExtHubReceived = "urn:kotona:fhir:extension:hub-received";
constexpr std::string_view kExtDeviceClock = "urn:kotona:fhir:extension:device-clock-time";
constexpr std::string_view kExtClockOffset = "urn:kotona:fhir:extension:clock-offset";
constexpr std::string_view kExtQualityFlag = "urn:kotona:fhir:extension:quality-flag";
constexpr std::string_view kExtTimePrecision = "urn:kotona:fhir:extension:device-time-precision";

struct Values {
  const store::StoredReading& row;
  const json::object& o;
  std::optional<double> number(std::string_view key) const {
    auto it = o.find(key);
    if (it == o.end() || !it->value().is_number()) return std::nullopt;
    return it->value().to_number<double>();
  }
};

json::object mdc_coding(const codes::Code& c) {
  json::object out{{"system", kMdc}};
  if (c.mdc != 0) out["code"] = std::to_string(c.mdc);
  out["display"] = c.mdc_ref;
  return out;
}

// LOINC first (when the term has one), then MDC; `text` for people.
json::object concept_of(const codes::Code& c, std::string_view text) {
  json::array codings;
  if (!c.loinc.empty()) codings.push_back(json::object{{"system", kLoinc}, {"code", c.loinc}});
  codings.push_back(mdc_coding(c));
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

json::object category(std::string_view code, std::string_view display) {
  json::object coding{{"system", kCategorySystem}, {"code", code}, {"display", display}};
  return json::object{{"coding", json::array{std::move(coding)}}};
}

Unexpected missing(const store::StoredReading& row, std::string_view what) {
  return fail(Errc::kMalformed,
              "reading " + row.uid.value + " (" + row.kind + "): no " + std::string(what));
}

// The device's range indicator (invariant 14): FHIR Quantity.comparator, "<" or ">", on the
// limit the device reported ("> 8.0": the true INR is above 8.0). Only these two are stored.
void add_comparator(const Values& v, json::object& value_quantity) {
  auto it = v.o.find("comparator");
  if (it == v.o.end() || !it->value().is_string()) return;
  const auto& symbol = it->value().get_string();
  if (symbol == "<" || symbol == ">") value_quantity["comparator"] = symbol;
}

// Code, value and components from the kind's table row: kValue puts the first component in
// valueQuantity (with the device's range indicator) and the rest, when present, as components;
// kPanel puts every present component in `component`. A missing first value (kValue) or any
// missing limit-checked panel value is an error: the export never invents a number.
Result<void> fill_values(const Values& v, const KindRow& row, json::object& obs) {
  obs["code"] = concept_of(row.code, row.display);
  json::array parts;
  for (std::size_t i = 0; i < row.components.size(); ++i) {
    const KindComponent& c = row.components[i];
    auto x = v.number(c.key);
    const bool required = (row.fhir_shape == FhirShape::kValue) ? i == 0 : c.limits && c.trend;
    if (!x && required) return missing(v.row, c.key);
    if (!x) continue;
    if (row.fhir_shape == FhirShape::kValue && i == 0) {
      obs["valueQuantity"] = quantity(*x, c.code.ucum);
      add_comparator(v, obs["valueQuantity"].as_object());
    } else {
      parts.push_back(component(c.code, c.display, *x));
    }
  }
  if (!parts.empty()) obs["component"] = std::move(parts);
  return {};
}

void add_notes(const Values& v, const KindRow& row, std::vector<std::string>& notes) {
  for (const auto& n : row.notes) {
    auto it = v.o.find(n.key);
    if (it == v.o.end() || !it->value().is_string()) continue;
    const auto& text = it->value().get_string();
    if (!n.hidden_value.empty() && text == n.hidden_value) continue;
    notes.push_back(std::string(n.label) + ": " + std::string(text));
  }
}

// An implant value as a component, when present, with the relay's range indicator stored as
// "<key>_comparator" (invariant 14) as its Quantity.comparator.
void add_implant_value(const Values& v, std::string_view key, const codes::Code& c,
                       const std::string& text, json::array& parts) {
  auto x = v.number(key);
  if (!x) return;
  json::object part = component(c, text, *x);
  auto it = v.o.find(std::string(key) + "_comparator");
  if (it != v.o.end() && it->value().is_string()) {
    const auto& symbol = it->value().get_string();
    if (symbol == "<" || symbol == ">") part["valueQuantity"].as_object()["comparator"] = symbol;
  }
  parts.push_back(std::move(part));
}

void add_implant_chambers(const Values& v, json::array& parts) {
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
    std::string n(c.name);
    add_implant_value(ch, "lead_impedance_ohm", c.impedance, n + " lead impedance", parts);
    add_implant_value(ch, "sensing_amplitude_mv", c.sensing, n + " sensing amplitude", parts);
    add_implant_value(ch, "capture_threshold_v", c.threshold, n + " capture threshold", parts);
    add_implant_value(ch, "paced_percent", c.paced, n + " percent paced", parts);
  }
}

json::object count_component(json::object code, double count) {
  return json::object{{"code", std::move(code)},
                      {"valueInteger", static_cast<std::int64_t>(count)}};
}

Result<void> fill_implant(const Values& v, json::object& obs) {
  auto status = v.o.find("battery_status");
  if (status == v.o.end() || !status->value().is_string()) return missing(v.row, "battery_status");
  obs["code"] = local_concept("implant-summary", "Cardiac implant remote follow-up summary");
  std::string status_code(status->value().get_string());
  json::object status_value{{"coding", json::array{json::object{{"system", kBatteryStatusSystem},
                                                                {"code", status_code}}}},
                            {"text", status_code}};
  json::array parts{
      json::object{{"code", concept_of(codes::kImplantBatteryStatus, "Battery status")},
                   {"valueCodeableConcept", std::move(status_value)}}};
  add_implant_value(v, "battery_voltage_v", codes::kImplantBatteryVoltage, "Battery voltage",
                    parts);
  add_implant_value(v, "longevity_months", codes::kImplantLongevity, "Remaining longevity", parts);
  add_implant_chambers(v, parts);
  add_implant_value(v, "at_af_burden_percent", codes::kAtAfBurden, "AT/AF burden", parts);
  if (auto x = v.number("at_af_episodes")) {
    parts.push_back(count_component(local_concept("at_af_episodes", "AT/AF episodes"), *x));
  }
  if (auto x = v.number("vt_vf_episodes")) {
    parts.push_back(count_component(local_concept("vt_vf_episodes", "VT/VF episodes"), *x));
  }
  if (auto x = v.number("atp_therapies")) {
    parts.push_back(count_component(concept_of(codes::kAtpDelivered, "ATP therapies"), *x));
  }
  if (auto x = v.number("shocks_delivered")) {
    parts.push_back(count_component(concept_of(codes::kShocksDelivered, "Shocks delivered"), *x));
  }
  obs["component"] = std::move(parts);
  return {};
}

Result<void> fill_kind(const Values& v, json::object& obs, std::vector<std::string>& notes) {
  const KindRow* row = find_kind(v.row.kind);
  if (row == nullptr) {
    return fail(Errc::kMalformed, "reading " + v.row.uid.value + ": unknown kind " + v.row.kind);
  }
  // The profile the Observation is written to (kind table; e.g. the HL7 vital-signs profiles),
  // so a receiving system validates against it. Rows without one claim none.
  if (!row->fhir_profile.empty()) {
    obs["meta"] = json::object{{"profile", json::array{json::string(row->fhir_profile)}}};
  }
  if (row->fhir_shape == FhirShape::kImplant) return fill_implant(v, obs);
  if (row->fhir_category == "vital-signs") {
    obs["category"] = json::array{category("vital-signs", "Vital Signs")};
  } else if (row->fhir_category == "laboratory") {
    obs["category"] = json::array{category("laboratory", "Laboratory")};
  }
  add_notes(v, *row, notes);
  return fill_values(v, *row, obs);
}

json::object extension(std::string_view url, std::string_view type, json::value value) {
  return json::object{{"url", url}, {type, std::move(value)}};
}

json::array provenance(const store::StoredReading& row) {
  json::array ext;
  ext.push_back(extension(
      kExtGateway, "valueReference",
      json::object{{"reference", gateway_ref(row.gateway)}, {"display", row.gateway.value}}));
  ext.push_back(
      extension(kExtHubReceived, "valueInstant", json::string(fhir_instant(row.hub_time))));
  if (row.device_time) {
    ext.push_back(extension(kExtDeviceClock, "valueDateTime",
                            json::string(fhir_instant(HubTime{*row.device_time}))));
  }
  if (row.clock_offset) {
    ext.push_back(extension(kExtClockOffset, "valueQuantity",
                            quantity(static_cast<double>(row.clock_offset->count()), "s")));
  }
  return ext;
}

// Quality flags that are set: one extension each, and a note for people.
void add_quality(const json::object& quality, json::array& ext, std::vector<std::string>& notes) {
  static constexpr std::pair<std::string_view, std::string_view> kFlags[] = {
      {"clock_suspect", "device clock was off; time corrected by the hub's measured offset"},
      {"clock_missing", "device sent no time; the hub's receive time is used"},
      {"irregular_pulse", "device reported an irregular pulse"},
      {"body_movement", "device reported body movement during measurement"},
      {"device_error", "device reported a measurement problem"},
      {"implausible",
       "value outside physiological limits: device fault or tampering suspected; no clinical "
       "alert was raised (technical alert reading.implausible)"},
      {"uid_conflict",
       "another reading with different values had this reading's id first; both are kept "
       "(device record counter reset, or one of them did not come from the device)"}};
  for (const auto& [flag, meaning] : kFlags) {
    auto it = quality.find(flag);
    if (it == quality.end() || !it->value().is_bool() || !it->value().get_bool()) continue;
    ext.push_back(extension(kExtQualityFlag, "valueCode", json::string(flag)));
    notes.push_back(std::string(flag) + ": " + std::string(meaning));
  }
}

// The measured time at the precision the device gave its clock (ASTM meters may send only
// YYYYMMDD[HH[MM]]): FHIR dateTime allows a bare date, an hour becomes a Period, a minute is
// written hh:mm:00. Seconds the device never sent would claim a precision nobody measured.
void add_effective(const store::StoredReading& row, const json::object& quality, json::object& obs,
                   json::array& ext, std::vector<std::string>& notes) {
  const HubTime measured = store::measured_time(row);
  const std::string at = fhir_instant(measured);
  const auto* it = quality.if_contains("device_time_precision");
  const auto precision = (it && it->is_string())
                             ? parse_time_precision(std::string_view(it->get_string()))
                             : std::nullopt;
  if (!precision || *precision == TimePrecision::kSecond) {
    obs["effectiveDateTime"] = at;
    return;
  }
  const std::string name(time_precision_name(*precision));
  ext.push_back(extension(kExtTimePrecision, "valueCode", json::string(name)));
  notes.push_back("device_time_precision: the device gave its clock only to the " + name);
  if (*precision == TimePrecision::kDay) {
    obs["effectiveDateTime"] = at.substr(0, 10);  // YYYY-MM-DD
  } else if (*precision == TimePrecision::kHour) {
    obs["effectivePeriod"] = json::object{
        {"start", at},
        {"end", fhir_instant(measured + std::chrono::minutes{59} + std::chrono::seconds{59})}};
  } else {
    obs["effectiveDateTime"] = at;
  }
}

}  // namespace

Result<json::object> make_observation(const store::StoredReading& row) {
  boost::system::error_code ec;
  auto values = json::parse(row.values_json, ec);
  if (ec || !values.is_object()) return missing(row, "values object");
  auto quality = json::parse(row.quality_json, ec);
  if (ec || !quality.is_object()) return missing(row, "quality object");
  json::object obs{{"resourceType", "Observation"},
                   {"id", observation_ref(row.uid).substr(kUrnUuid.size())}};
  json::array ext = provenance(row);
  std::vector<std::string> notes;
  add_quality(quality.get_object(), ext, notes);
  add_effective(row, quality.get_object(), obs, ext, notes);
  obs["extension"] = std::move(ext);
  obs["identifier"] =
      json::array{json::object{{"system", kReadingUidSystem}, {"value", row.uid.value}}};
  obs["status"] = "final";
  json::object code_and_values;
  if (auto r = fill_kind(Values{row, values.get_object()}, code_and_values, notes); !r) {
    return fail(r.error());
  }
  for (auto& kv : code_and_values) obs[kv.key()] = std::move(kv.value());
  obs["subject"] = json::object{{"reference", patient_ref(row.patient)}};
  obs["device"] = json::object{{"reference", device_ref(row.gateway, row.device_serial)},
                               {"display", row.device_serial.value}};
  if (!notes.empty()) {
    json::array annotations;
    for (auto& n : notes) annotations.push_back(json::object{{"text", n}});
    obs["note"] = std::move(annotations);
  }
  return obs;
}

}  // namespace kotona::server::fhir
