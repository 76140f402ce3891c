#include "core/kinds.h"

#include <array>
#include <string>
#include <utility>

#include "core/log.h"
#include "core/overloaded.h"

namespace kotona {
namespace {

using codes::Code;

// The limits are the ones issue 13's clinical review set; each is wider than any value a
// living patient produces on a home device, so an extreme but real value is never flagged.
// Why each holds:
// - Blood pressure 40..300 / 20..200 mmHg: home oscillometric monitors state a cuff pressure
//   range ending at 299-300 mmHg (their instruction manuals' specifications), so a higher
//   value cannot come from the cuff; a systolic under 40 mmHg is circulatory collapse, not a
//   patient taking a home reading.
// - Pulse 20..300 /min: above 300 exceeds even 1:1 conducted atrial flutter (atrial rate
//   about 300 /min); under 20 is agonal.
// - INR 0.5..15: an INR is a ratio to normal plasma (normal about 0.8-1.2), so under 0.5 is
//   not a clotting time; home meters stop at 8.0 and report more as "> 8.0" (a comparator,
//   judged only by its limit), so an exact value above 15 is a device fault.
// - Glucose 0.5..60 mmol/L: home meters stop at about 33.3 mmol/L and show HI beyond (a
//   comparator); an exact value above 60 or under 0.5 is a fault, not a patient.
// - SpO2 50..100 %: a saturation cannot exceed 100 %; ISO 80601-2-61 specifies oximeter
//   accuracy only from 70 % up, and issue 13 allows down to 50 %.
// - Weight 1..400 kg: beyond the capacity of home scales (typically 150-250 kg) and under any
//   patient's weight.
// - Body temperature 25..45 °C: beyond 45 °C is not survivable and under 25 °C is deep
//   hypothermia no home reading is taken in; a clinical thermometer reading there is a fault.
constexpr PlausibleLimits kPulse{20, 300};

const KindComponent kBpParts[] = {
    {"systolic_mmhg", codes::kSystolic, "Systolic blood pressure", "systolic", "systolic", " mmHg",
     PlausibleLimits{40, 300}, true},
    {"diastolic_mmhg", codes::kDiastolic, "Diastolic blood pressure", "diastolic", "diastolic",
     " mmHg", PlausibleLimits{20, 200}, true},
    {"mean_arterial_mmhg", codes::kMeanArterial, "Mean blood pressure", "mean_arterial", "mean",
     " mmHg", std::nullopt, false},
    {"pulse_per_min", codes::kPulseRate, "Pulse rate", "pulse", "pulse", " /min", kPulse, false}};
const KindComponent kGlucoseParts[] = {{"mmol_per_l", codes::kGlucose, "Glucose in capillary blood",
                                        "glucose", "glucose", " mmol/L", PlausibleLimits{0.5, 60},
                                        true}};
const KindComponent kInrParts[] = {
    {"ratio", codes::kInr, "INR", "inr", "INR", "", PlausibleLimits{0.5, 15}, true},
    {"prothrombin_time_s", codes::kProthrombinTime, "Prothrombin time", "prothrombin_time",
     "prothrombin time", " s", std::nullopt, false}};
const KindComponent kWeightParts[] = {{"kg", codes::kBodyWeight, "Body weight", "weight", "weight",
                                       " kg", PlausibleLimits{1, 400}, true}};
const KindComponent kSpo2Parts[] = {
    {"percent", codes::kSpo2, "Oxygen saturation (pulse oximetry)", "spo2", "SpO2", " %",
     PlausibleLimits{50, 100}, true},
    {"pulse_per_min", codes::kPulseRate, "Pulse rate", "pulse", "pulse", " /min", kPulse, false}};
const KindComponent kTemperatureParts[] = {{"celsius", codes::kBodyTemperature, "Body temperature",
                                            "temperature", "temperature", " °C",
                                            PlausibleLimits{25, 45}, true}};

// Heart rate (Bluetooth SIG Heart Rate Profile): a kind with no value type of its own, carried
// as a GenericMeasurement. MDC_ECG_HEART_RATE (IEEE 11073-10101), LOINC 8867-4 "Heart rate".
constexpr Code kHeartRate{147842, "MDC_ECG_HEART_RATE", "8867-4", "/min"};
const KindComponent kHeartRateParts[] = {
    {"beats_per_min", kHeartRate, "Heart rate", "heart_rate", "heart rate", " /min", kPulse, true}};

const KindNote kGlucoseNotes[] = {{"meal", "Meal context", "unknown"}};
const KindNote kInrNotes[] = {{"strip_lot", "Test strip lot", ""}};

constexpr Code kImplantSummary{0, "", "", ""};  // a local term; the export names it

// The order is Measurement's: row i describes std::variant_alternative_t<i, Measurement>.
// Rows after the typed ones (kTypedKinds) are generic: a new kind is one row here.
const std::array<KindRow, 8> kRows{{
    {"bp",
     codes::kBloodPressurePanel,
     "Blood pressure panel",
     "kind.bp",
     "Blood pressure monitor",
     "vital-signs",
     "http://hl7.org/fhir/StructureDefinition/bp",
     FhirShape::kPanel,
     true,
     false,
     kBpParts,
     {}},
    {"glucose", codes::kGlucose, "Glucose in capillary blood", "kind.glucose",
     "Blood glucose meter", "laboratory", "", FhirShape::kValue, true, true, kGlucoseParts,
     kGlucoseNotes},
    {"inr", codes::kInr, "INR", "kind.inr", "Coagulation (INR) meter", "laboratory", "",
     FhirShape::kValue, true, false, kInrParts, kInrNotes},
    {"implant",
     kImplantSummary,
     "Cardiac implant remote follow-up summary",
     "kind.implant",
     "Cardiac implantable electronic device",
     "",
     "",
     FhirShape::kImplant,
     true,
     false,
     {},
     {}},
    {"weight",
     codes::kBodyWeight,
     "Body weight",
     "kind.weight",
     "Weighing scale",
     "vital-signs",
     "http://hl7.org/fhir/StructureDefinition/bodyweight",
     FhirShape::kValue,
     true,
     false,
     kWeightParts,
     {}},
    {"spo2",
     codes::kSpo2,
     "Oxygen saturation (pulse oximetry)",
     "kind.spo2",
     "Pulse oximeter",
     "vital-signs",
     "http://hl7.org/fhir/StructureDefinition/oxygensat",
     FhirShape::kValue,
     true,
     false,
     kSpo2Parts,
     {}},
    {"temperature",
     codes::kBodyTemperature,
     "Body temperature",
     "kind.temperature",
     "Thermometer",
     "vital-signs",
     "http://hl7.org/fhir/StructureDefinition/bodytemp",
     FhirShape::kValue,
     false,
     false,
     kTemperatureParts,
     {}},
    // Generic rows: held as GenericMeasurement; add new kinds below.
    {"heart_rate",
     kHeartRate,
     "Heart rate",
     "kind.heart_rate",
     "Heart rate monitor",
     "vital-signs",
     "http://hl7.org/fhir/StructureDefinition/heartrate",
     FhirShape::kValue,
     false,
     false,
     kHeartRateParts,
     {}},
}};
// Every alternative but the last (GenericMeasurement) is a typed kind with its row at its index.
constexpr std::size_t kTypedKinds = std::variant_size_v<Measurement> - 1;
static_assert(
    std::is_same_v<std::variant_alternative_t<kTypedKinds, Measurement>, GenericMeasurement>);
static_assert(kRows.size() >= kTypedKinds,
              "every typed Measurement alternative needs its row in the kind table");

template <std::size_t... I>
Measurement make_at(std::size_t index, std::index_sequence<I...>) {
  Measurement out;
  ((index == I ? (out.emplace<I>(), 0) : 0), ...);
  return out;
}

void add(std::vector<ComponentValue>& out, std::string_view key, std::optional<double> value,
         Comparator c = Comparator::kNone) {
  if (value) out.push_back({key, *value, c});
}

// The components by key for make_measurement: a required one missing, or one the row does not
// name, is an error recorded in `error`.
struct Lookup {
  std::span<const ComponentValue> values;
  std::string error;

  std::optional<ComponentValue> optional(std::string_view key) const {
    for (const auto& v : values) {
      if (v.key == key) return v;
    }
    return std::nullopt;
  }
  double required(std::string_view key, Comparator* comparator = nullptr) {
    auto v = optional(key);
    if (!v) {
      if (error.empty()) error = "no " + std::string(key);
      return 0;
    }
    if (comparator != nullptr) *comparator = v->comparator;
    return v->value;
  }
  std::optional<double> value(std::string_view key) const {
    auto v = optional(key);
    return v ? std::optional<double>(v->value) : std::nullopt;
  }
};

// A generic kind's values in table order; the first component is required, and only it may
// carry a comparator (as for the typed kinds, whose range indicator is on the primary value).
void fill_generic(const KindRow& row, Lookup& in, GenericMeasurement& g) {
  for (const auto& c : row.components) {
    Comparator comparator = Comparator::kNone;
    if (&c == row.components.data()) {
      const double value = in.required(c.key, &comparator);
      if (in.error.empty()) g.values.push_back({std::string(c.key), value, comparator});
    } else if (auto v = in.value(c.key)) {
      g.values.push_back({std::string(c.key), *v, Comparator::kNone});
    }
  }
}

}  // namespace

Result<Measurement> make_measurement(const KindRow& row, std::span<const ComponentValue> values) {
  Lookup in{values, {}};
  for (const auto& v : values) {
    if (find_component(row, v.key) == nullptr) {
      return fail(Errc::kMalformed, std::string(row.name) + " has no value " + std::string(v.key));
    }
  }
  Measurement m = default_measurement(row);
  std::visit(Overloaded{
                 [&](BloodPressure& bp) {
                   bp.systolic_mmhg = in.required("systolic_mmhg");
                   bp.diastolic_mmhg = in.required("diastolic_mmhg");
                   bp.mean_arterial_mmhg = in.value("mean_arterial_mmhg");
                   bp.pulse_per_min = in.value("pulse_per_min");
                 },
                 [&](Glucose& g) { g.mmol_per_l = in.required("mmol_per_l", &g.comparator); },
                 [&](Inr& inr) {
                   inr.ratio = in.required("ratio", &inr.comparator);
                   inr.prothrombin_time_s = in.value("prothrombin_time_s");
                 },
                 [&](CardiacImplantSummary&) { in.error = "implant summary has no components"; },
                 [&](Weight& w) { w.kg = in.required("kg"); },
                 [&](Spo2& s) {
                   s.percent = in.required("percent");
                   s.pulse_per_min = in.value("pulse_per_min");
                 },
                 [&](Temperature& t) { t.celsius = in.required("celsius"); },
                 [&](GenericMeasurement& g) { fill_generic(row, in, g); },
             },
             m);
  if (!in.error.empty()) return fail(Errc::kMalformed, std::string(row.name) + ": " + in.error);
  // Every value given must read back unchanged (a comparator the kind cannot hold, a key given
  // twice): dropping one would turn a limit into an exact value or lose a value.
  const auto back = component_values(m);
  for (const auto& v : values) {
    bool kept = false;
    for (const auto& b : back) {
      kept = kept || (b.key == v.key && b.value == v.value && b.comparator == v.comparator);
    }
    if (!kept || back.size() != values.size()) {
      return fail(Errc::kMalformed, std::string(row.name) + ": " + std::string(v.key) +
                                        " cannot be held as given (comparator or repeated key)");
    }
  }
  return m;
}

std::span<const KindRow> kind_table() { return kRows; }

const KindRow& kind_of(const Measurement& m) {
  if (const auto* g = std::get_if<GenericMeasurement>(&m)) {
    const KindRow* row = find_kind(g->kind);
    // Only make_measurement builds one, from a row, so a nameless kind is a broken invariant.
    KOTONA_CHECK(row != nullptr && row >= kRows.data() + kTypedKinds);
    return *row;
  }
  return kRows[m.index()];
}

const KindRow* find_kind(std::string_view name) {
  for (const auto& row : kRows) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

const KindComponent* find_component(const KindRow& row, std::string_view key) {
  for (const auto& c : row.components) {
    if (c.key == key) return &c;
  }
  return nullptr;
}

std::string kind_names() {
  std::string out;
  for (const auto& row : kRows) out += (out.empty() ? "" : " ") + std::string(row.name);
  return out;
}

Measurement default_measurement(const KindRow& row) {
  const auto index = static_cast<std::size_t>(&row - kRows.data());
  if (index >= kTypedKinds) return GenericMeasurement{std::string(row.name), {}};
  return make_at(index, std::make_index_sequence<std::variant_size_v<Measurement>>{});
}

// The one place that maps each value type's fields to its row's component keys.
std::vector<ComponentValue> component_values(const Measurement& m) {
  std::vector<ComponentValue> out;
  std::visit(Overloaded{
                 [&](const BloodPressure& bp) {
                   add(out, "systolic_mmhg", bp.systolic_mmhg);
                   add(out, "diastolic_mmhg", bp.diastolic_mmhg);
                   add(out, "mean_arterial_mmhg", bp.mean_arterial_mmhg);
                   add(out, "pulse_per_min", bp.pulse_per_min);
                 },
                 [&](const Glucose& g) { add(out, "mmol_per_l", g.mmol_per_l, g.comparator); },
                 [&](const Inr& inr) {
                   add(out, "ratio", inr.ratio, inr.comparator);
                   add(out, "prothrombin_time_s", inr.prothrombin_time_s);
                 },
                 [&](const CardiacImplantSummary&) {},
                 [&](const Weight& w) { add(out, "kg", w.kg); },
                 [&](const Spo2& s) {
                   add(out, "percent", s.percent);
                   add(out, "pulse_per_min", s.pulse_per_min);
                 },
                 [&](const Temperature& t) { add(out, "celsius", t.celsius); },
                 [&](const GenericMeasurement& g) {
                   // Keys by the row's own storage, so they outlive the measurement.
                   const KindRow& row = kind_of(m);
                   for (const auto& v : g.values) {
                     const KindComponent* c = find_component(row, v.key);
                     if (c != nullptr) out.push_back({c->key, v.value, v.comparator});
                   }
                 },
             },
             m);
  return out;
}

}  // namespace kotona
