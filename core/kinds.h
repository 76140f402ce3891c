// The kind table: one row per measurement kind. The typed kinds come first, in the order of
// Measurement's alternatives; every later row is a generic kind, held as GenericMeasurement, so
// a new kind is one row. Every consumer (wire codec, stored JSON, decode JSON, FHIR
// export, page trend, `due` config, plausibility, rules) reads a kind's name, codes, units,
// components and limits here instead of matching kind names. Constant data; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/codes.h"
#include "core/reading.h"
#include "core/result.h"

namespace kotona {

// Physiological limits of one value (issue 13); outside them the server flags it implausible.
struct PlausibleLimits {
  double low = 0;
  double high = 0;
};

// A text in the languages of the FHIR narrative (issue 19): Finnish and Swedish.
struct Names {
  std::string_view fi;
  std::string_view sv;
};

// How the hub's manual entry (issue 20 part 5) judges a typed value of one component, before
// it is sent: outside `possible` it cannot be a measurement at all (refused, with the range);
// outside `usual` (a home patient's values, narrower than the server's PlausibleLimits) or
// further than `recent_change` from the patient's recent readings, it is probably mistyped
// and the form asks once before sending. gateway/manual_entry.h reads these.
struct ManualEntryRule {
  PlausibleLimits possible;
  PlausibleLimits usual;
  double recent_change = 0;  // in the component's unit; 0 = no comparison with recent values
};

// One named numeric value of a kind: its key in stored and decoded JSON, its code and unit.
struct KindComponent {
  std::string_view key;        // e.g. "systolic_mmhg"; stable: stored JSON and the wire use it
  codes::Code code;            // MDC / LOINC / UCUM of the value
  std::string_view display;    // FHIR component text, e.g. "Systolic blood pressure"
  std::string_view name;       // its name in kotona-decode's JSON, e.g. "systolic"
  std::string_view label;      // short name in alert and log text, e.g. "systolic"
  std::string_view unit_text;  // unit as people read it, e.g. " mmHg" ("" for a ratio)
  std::optional<PlausibleLimits> limits;
  bool trend = false;  // plotted on the clinician page's trend chart
  Names names{};       // the value's name in the FHIR narrative
  std::optional<ManualEntryRule> manual{};  // nullopt: not typed in by hand
};

// How the FHIR export shapes an Observation of the kind: one value (the first component, the
// rest as components), a panel (every component a component), or the implant summary.
enum class FhirShape { kValue, kPanel, kImplant };

// A text value shown as an Observation note, e.g. the meal context ("unknown" is not shown).
struct KindNote {
  std::string_view key;
  std::string_view label;
  std::string_view hidden_value;
  Names names{};  // the label in the FHIR narrative
};

// What a Finnish PHR (Kanta) profile adds to the FHIR R4 vital-signs rules (docs/fhir.md has
// each rule's source). `applies`: the row's fhir_profile is a Kanta PHR profile whose R4
// StructureDefinition was read, so the export follows all of its rules.
struct FinnishPhr {
  bool applies = false;
  std::size_t components = 0;     // kPanel: the profile's components (the first n); the rest
                                  // go to the additional-value extension (closed slicing)
  std::string_view also_loinc;    // a second LOINC coding the profile requires beside the code
  std::string_view also_display;  // its display
  std::string_view unit;          // Quantity.unit the profile fixes when not the UCUM code
};

struct KindRow {
  std::string_view name;           // "bp": part of reading_uid, stored, `due` config; stable
  codes::Code code;                // the panel's or the primary value's code
  std::string_view display;        // Observation.code text, e.g. "Blood pressure panel"
  std::string_view message_key;    // display-name key for translations, "kind.<name>"
  std::string_view device_text;    // FHIR Device.type text, e.g. "Blood pressure monitor"
  std::string_view fhir_category;  // "vital-signs", "laboratory" or "" (no category)
  std::string_view fhir_profile;   // Observation.meta.profile (every row names one)
  FhirShape fhir_shape = FhirShape::kValue;
  bool clinical_rules = false;  // evaluate_rules applies (temperature: no rule yet)
  bool shows_hi_lo = false;     // its meters show HI / LO for the range indicator (page text)
  std::span<const KindComponent> components;  // kValue: components[0] is the value
  std::span<const KindNote> notes;
  FinnishPhr phr{};
  Names names{};  // the kind's name in the FHIR narrative
};

// Every row: the typed kinds in Measurement's alternative order, then the generic kinds.
std::span<const KindRow> kind_table();

// The row of m's kind. Never fails: the table has a row per typed alternative (static_assert),
// and a GenericMeasurement comes only from make_measurement / default_measurement of a row.
const KindRow& kind_of(const Measurement& m);

// The row named `name`, or nullptr for a name no kind has (untrusted input: config, JSON).
const KindRow* find_kind(std::string_view name);

// The row's component with table key `key`, or nullptr.
const KindComponent* find_component(const KindRow& row, std::string_view key);

// Every kind's name, space-separated in table order: for error messages listing the choices.
std::string kind_names();

// A default-valued measurement of the row's kind (the variant alternative at its index).
Measurement default_measurement(const KindRow& row);

// One value of a measurement, by its table key, with the device's range indicator.
struct ComponentValue {
  std::string_view key;
  double value = 0;
  Comparator comparator = Comparator::kNone;
};

// The measurement's present numeric components, in table order (none for the implant
// summary, whose nested values the implant consumers read themselves).
std::vector<ComponentValue> component_values(const Measurement& m);

// The measurement of the row's kind from its components by table key (the inverse of
// component_values for every kind but the implant summary). Errors: kMalformed naming a
// required value that is missing (e.g. systolic_mmhg) or a key the row does not have, so a
// value can never land in another kind's or another component's field; also kMalformed when
// a value would not read back as given (a comparator the kind cannot carry, a repeated key).
[[nodiscard]] Result<Measurement> make_measurement(const KindRow& row,
                                                   std::span<const ComponentValue> values);

}  // namespace kotona
