// One stored reading -> one FHIR R4 Observation: the kind table's profile, codes (LOINC + MDC)
// and UCUM units; language and narrative; the reading uid as identifiers; measured time,
// subject, performer, device, gateway provenance, quality flags. Kinds whose table row names a
// Finnish PHR (Kanta) profile follow its rules too (docs/fhir.md, each rule and its source).
#include <boost/json.hpp>
#include <string>

#include "core/kinds.h"
#include "server/fhir/bundle.h"
#include "server/fhir/observation_parts.h"
#include "server/fhir/time_range.h"
#include "server/fhir/uuid.h"
#include "server/store/store.h"

namespace kotona::server::fhir {

namespace json = boost::json;
using namespace detail;

namespace {

constexpr std::string_view kLoinc = "http://loinc.org";
constexpr std::string_view kCategorySystem =
    "http://terminology.hl7.org/CodeSystem/observation-category";
// RFC 3986 URIs as identifier values: the system the Kanta PHR guide names for a globally
// unique identifier (here urn:uuid: + the Observation's name-based UUID).
constexpr std::string_view kUriSystem = "urn:ietf:rfc:3986";
// Kotona's own code systems and extensions (docs/fhir.md): terms the tables do not cover.
constexpr std::string_view kReadingUidSystem = "urn:kotona:reading-uid";
constexpr std::string_view kExtGateway = "urn:kotona:fhir:extension:gateway";
constexpr std::string_view kExtHubReceived = "urn:kotona:fhir:extension:hub-received";
constexpr std::string_view kExtDeviceClock = "urn:kotona:fhir:extension:device-clock-time";
constexpr std::string_view kExtClockOffset = "urn:kotona:fhir:extension:clock-offset";
constexpr std::string_view kExtQualityFlag = "urn:kotona:fhir:extension:quality-flag";
constexpr std::string_view kExtTimePrecision = "urn:kotona:fhir:extension:device-time-precision";
constexpr std::string_view kExtDevice = "urn:kotona:fhir:extension:device";
constexpr std::string_view kExtAdditionalValue = "urn:kotona:fhir:extension:additional-value";
constexpr std::string_view kExtEnteredBy = "urn:kotona:fhir:extension:entered-by";
// HL7 security labels, integrity provenance "reported by" (v3 ObservationValue,
// _SECINTPRVRBOBV): PATRPT patient reported, CLINRPT clinician reported (docs/fhir.md).
constexpr std::string_view kObservationValueSystem =
    "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";

json::object extension(std::string_view url, std::string_view type, json::value value) {
  return json::object{{"url", url}, {type, std::move(value)}};
}

json::object category(std::string_view code, std::string_view display) {
  json::object coding{{"system", kCategorySystem}, {"code", code}, {"display", display}};
  return json::object{{"coding", json::array{std::move(coding)}}};
}

// The kind's code, with the second LOINC coding its PHR profile requires (blood glucose).
json::object code_of(const KindRow& row) {
  json::object code = concept_of(row.code, row.display);
  if (!row.phr.also_loinc.empty()) {
    auto& codings = code["coding"].as_array();
    codings.insert(codings.begin() + 1, json::object{{"system", kLoinc},
                                                     {"code", row.phr.also_loinc},
                                                     {"display", row.phr.also_display}});
  }
  return code;
}

// A value the PHR profile has no place for (its component slicing is closed, e.g. the blood
// pressure monitor's pulse): kept as a Kotona extension with the value's code and quantity.
json::object additional_value(const KindComponent& c, double x) {
  json::array parts{extension("code", "valueCodeableConcept", concept_of(c.code, c.display)),
                    extension("value", "valueQuantity", quantity(x, c.code.ucum))};
  return json::object{{"url", kExtAdditionalValue}, {"extension", std::move(parts)}};
}

// Code, value and components from the kind's table row: kValue puts the first component in
// valueQuantity (with the device's range indicator) and the rest, when present, as components;
// kPanel puts every present component in `component`. A missing first value (kValue) or any
// missing limit-checked panel value is an error: the export never invents a number.
Result<void> fill_values(const Values& v, const KindRow& row, json::object& obs, json::array& ext,
                         Narrative& narrative) {
  obs["code"] = code_of(row);
  json::array parts;
  const bool panel = row.fhir_shape == FhirShape::kPanel;
  for (std::size_t i = 0; i < row.components.size(); ++i) {
    const KindComponent& c = row.components[i];
    auto x = v.number(c.key);
    const bool required = panel ? c.limits && c.trend : i == 0;
    if (!x && required) return missing(v.row, c.key);
    if (!x) continue;
    const std::string symbol = (!panel && i == 0) ? comparator_of(v.o, "comparator") : "";
    narrative.value(c.names, symbol, *x, unit_names(c.unit_text));
    if (!panel && i == 0) {
      json::object q = quantity(*x, c.code.ucum);
      if (!row.phr.unit.empty()) q["unit"] = row.phr.unit;
      if (!symbol.empty()) q["comparator"] = symbol;
      obs["valueQuantity"] = std::move(q);
    } else if (row.phr.applies && (panel ? i : i - 1) >= row.phr.components) {
      ext.push_back(additional_value(c, *x));
    } else {
      parts.push_back(component(c.code, c.display, *x));
    }
  }
  if (!parts.empty()) obs["component"] = std::move(parts);
  return {};
}

void add_notes(const Values& v, const KindRow& row, std::vector<std::string>& notes,
               Narrative& narrative) {
  for (const auto& n : row.notes) {
    auto text = v.text(n.key);
    if (!text || (!n.hidden_value.empty() && *text == n.hidden_value)) continue;
    notes.push_back(std::string(n.label) + ": " + *text);
    narrative.line(std::string(n.names.fi) + ": " + *text, std::string(n.names.sv) + ": " + *text);
  }
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

// Typed in by a person (issue 20 part 5): who, as a role code (patient, relative, nurse), and a
// narrative line. The person's name stays in the service centre's store (the clinician page
// shows it for a call back); it is not sent to the national record.
void add_entered_by(const store::StoredReading& row, json::array& ext, Narrative& narrative) {
  if (row.provenance.source != EntrySource::kManual) return;
  ext.push_back(
      extension(kExtEnteredBy, "valueCode", json::string(enterer_name(row.provenance.enterer))));
  switch (row.provenance.enterer) {
    case Enterer::kPatient:
      return narrative.line("Itse ilmoitettu: potilas kirjasi arvon mittarista käsin",
                            "Själv rapporterad: patienten skrev in värdet från mätaren");
    case Enterer::kRelative:
      return narrative.line("Itse ilmoitettu: omainen kirjasi arvon mittarista käsin",
                            "Själv rapporterad: en anhörig skrev in värdet från mätaren");
    case Enterer::kNurse:
      return narrative.line("Hoitaja kirjasi arvon mittarista käsin",
                            "Sjuksköterskan skrev in värdet från mätaren");
  }
}

// Quality flags that are set: one extension each, a note and a narrative line for people.
void add_quality(const json::object& quality, json::array& ext, std::vector<std::string>& notes,
                 Narrative& narrative) {
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
    if (auto said = quality_flag_names(flag))
      narrative.line(std::string(said->fi), std::string(said->sv));
  }
}

std::optional<TimePrecision> precision_of(const json::object& quality) {
  const auto* it = quality.if_contains("device_time_precision");
  if (it == nullptr || !it->is_string()) return std::nullopt;
  return parse_time_precision(std::string_view(it->get_string()));
}

// The measured time at the precision the device gave its clock (ASTM meters may send only
// YYYYMMDD[HH[MM]]): FHIR dateTime allows a bare date, an hour becomes a Period, a minute is
// written hh:mm:00. Seconds the device never sent would claim a precision nobody measured.
// The PHR profiles allow effectiveDateTime only: there an hour is written hh:00:00 and the
// precision extension (and narrative) say that only the hour is known.
void add_effective(const store::StoredReading& row, const json::object& quality, bool phr,
                   json::object& obs, json::array& ext, std::vector<std::string>& notes,
                   Narrative& narrative) {
  const HubTime measured = store::measured_time(row);
  const std::string at = fhir_instant(measured);
  const auto precision = precision_of(quality).value_or(TimePrecision::kSecond);
  const Texts when = time_texts(measured, precision);
  narrative.line(when.fi, when.sv);
  if (precision == TimePrecision::kSecond) {
    obs["effectiveDateTime"] = at;
    return;
  }
  const std::string name(time_precision_name(precision));
  ext.push_back(extension(kExtTimePrecision, "valueCode", json::string(name)));
  notes.push_back("device_time_precision: the device gave its clock only to the " + name);
  if (precision == TimePrecision::kDay) {
    obs["effectiveDateTime"] = at.substr(0, 10);  // YYYY-MM-DD
  } else if (precision == TimePrecision::kHour && !phr) {
    obs["effectivePeriod"] = json::object{
        {"start", at},
        {"end", fhir_instant(measured + std::chrono::minutes{59} + std::chrono::seconds{59})}};
  } else {
    obs["effectiveDateTime"] = at;
  }
}

// The Observation's members before its values, in the order FHIR lists them; text and
// extension are placeholders, filled last.
json::object observation_head(const store::StoredReading& row, const KindRow& kind,
                              NarrativeLanguage language) {
  // Members in the order FHIR lists them; text and extension are filled last.
  json::object obs{{"resourceType", "Observation"},
                   {"id", observation_ref(row.uid).substr(kUrnUuid.size())}};
  if (!kind.fhir_profile.empty()) {
    obs["meta"] = json::object{{"profile", json::array{json::string(kind.fhir_profile)}}};
  }
  // A value a person typed in (issue 20 part 5) is self-reported: labelled in meta.security
  // (integrity provenance, reported by), so a receiver that reads no Kotona extension still
  // sees that no device delivered it. A nurse's entry is clinician reported.
  if (row.provenance.source == EntrySource::kManual) {
    const bool nurse = row.provenance.enterer == Enterer::kNurse;
    auto& meta = obs["meta"].is_object() ? obs["meta"].as_object() : obs["meta"].emplace_object();
    meta["security"] =
        json::array{json::object{{"system", kObservationValueSystem},
                                 {"code", nurse ? "CLINRPT" : "PATRPT"},
                                 {"display", nurse ? "clinician reported" : "patient reported"}}};
  }
  obs["language"] = language_code(language);
  obs["text"] = nullptr;
  obs["extension"] = nullptr;
  obs["identifier"] =
      json::array{json::object{{"system", kReadingUidSystem}, {"value", row.uid.value}},
                  json::object{{"system", kUriSystem}, {"value", observation_ref(row.uid)}}};
  obs["status"] = "final";
  if (kind.fhir_category == "vital-signs") {
    obs["category"] = json::array{category("vital-signs", "Vital Signs")};
  } else if (kind.fhir_category == "laboratory") {
    obs["category"] = json::array{category("laboratory", "Laboratory")};
  }
  return obs;
}

// Issued, performer, the device link, the extensions and notes.
void finish(const store::StoredReading& row, bool phr, json::array ext,
            const std::vector<std::string>& notes, json::object& obs, Narrative& narrative) {
  // Self-measured at home: the patient performed it (the PHR profiles require a performer).
  obs["issued"] = fhir_instant(row.hub_time);
  obs["performer"] = json::array{json::object{{"reference", patient_ref(row.patient)}}};
  // A typed-in value (issue 20 part 5) names no measuring device: no device measured it for
  // the record (the hub that relayed it is in the gateway extension), and the hub's pseudo-
  // device "manual" is no serial number.
  if (row.provenance.source != EntrySource::kManual) {
    json::object device{{"reference", device_ref(row.gateway, row.device_serial)},
                        {"display", row.device_serial.value}};
    narrative.line("Mittalaite: sarjanumero " + row.device_serial.value,
                   "Mätare: serienummer " + row.device_serial.value);
    // The PHR profiles prohibit Observation.device: the link moves to a Kotona extension.
    if (phr) {
      ext.push_back(extension(kExtDevice, "valueReference", std::move(device)));
    } else {
      obs["device"] = std::move(device);
    }
  }
  obs["extension"] = std::move(ext);
  if (!notes.empty()) {
    json::array annotations;
    for (auto& n : notes) annotations.push_back(json::object{{"text", n}});
    obs["note"] = std::move(annotations);
  }
}

}  // namespace

std::string_view language_code(NarrativeLanguage language) {
  return language == NarrativeLanguage::kSwedish ? "sv" : "fi";
}

Result<json::object> make_observation(const store::StoredReading& row, NarrativeLanguage language) {
  const KindRow* kind = find_kind(row.kind);
  if (kind == nullptr) {
    return fail(Errc::kMalformed, "reading " + row.uid.value + ": unknown kind " + row.kind);
  }
  boost::system::error_code ec;
  auto values = json::parse(row.values_json, ec);
  if (ec || !values.is_object()) return missing(row, "values object");
  auto quality = json::parse(row.quality_json, ec);
  if (ec || !quality.is_object()) return missing(row, "quality object");
  const bool phr = kind->phr.applies;
  json::object obs = observation_head(row, *kind, language);
  Narrative narrative(kind->names);
  json::array ext = provenance(row);
  std::vector<std::string> notes;
  json::object values_part;  // code, valueQuantity, component: placed after subject below
  add_effective(row, quality.get_object(), phr, values_part, ext, notes, narrative);
  const Values v{row, values.get_object()};
  auto filled = kind->fhir_shape == FhirShape::kImplant
                    ? fill_implant(v, values_part, narrative)
                    : fill_values(v, *kind, values_part, ext, narrative);
  if (!filled) return fail(filled.error());
  add_notes(v, *kind, notes, narrative);
  add_quality(quality.get_object(), ext, notes, narrative);
  add_entered_by(row, ext, narrative);
  obs["code"] = std::move(values_part["code"]);
  obs["subject"] = json::object{{"reference", patient_ref(row.patient)}};
  for (auto& kv : values_part) {
    if (kv.key() != "code") obs[kv.key()] = std::move(kv.value());
  }
  finish(row, phr, std::move(ext), notes, obs, narrative);
  obs["text"] = narrative.text(language);
  return obs;
}

}  // namespace kotona::server::fhir
