// The kind table's rows (kinds.h): data only, one row per measurement kind.
#include <array>
#include <string_view>
#include <type_traits>
#include <variant>

#include "core/kinds.h"

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

// Manual entry (ManualEntryRule, issue 20 part 5). `possible`: above zero (no pressure,
// concentration, ratio, mass or rate is zero or negative; a saturation is at most 100 %) and
// under ten times the limit above, so a slipped digit or decimal point (1400 for 140, 25 for
// 2.5) is asked about, with its correction, and a value no slip explains is refused. `usual`:
// what home patients on this service show (narrower than the limits above: outside it the form
// asks "is this right?", it never refuses). `recent_change`: a change from the patient's recent
// readings that a typo explains more often than a day does (INR 2.0, systolic 50 mmHg,
// weight 5 kg); the answer "yes, it is right" sends it.
constexpr ManualEntryRule kPulseEntry{{1, 3000}, {35, 180}, 50};

const KindComponent kBpParts[] = {{"systolic_mmhg",
                                   codes::kSystolic,
                                   "Systolic blood pressure",
                                   "systolic",
                                   "systolic",
                                   " mmHg",
                                   PlausibleLimits{40, 300},
                                   true,
                                   {"Systolinen verenpaine", "Systoliskt blodtryck"},
                                   ManualEntryRule{{1, 3000}, {70, 220}, 50}},
                                  {"diastolic_mmhg",
                                   codes::kDiastolic,
                                   "Diastolic blood pressure",
                                   "diastolic",
                                   "diastolic",
                                   " mmHg",
                                   PlausibleLimits{20, 200},
                                   true,
                                   {"Diastolinen verenpaine", "Diastoliskt blodtryck"},
                                   ManualEntryRule{{1, 2000}, {40, 130}, 30}},
                                  {"mean_arterial_mmhg",
                                   codes::kMeanArterial,
                                   "Mean blood pressure",
                                   "mean_arterial",
                                   "mean",
                                   " mmHg",
                                   std::nullopt,
                                   false,
                                   {"Keskiverenpaine", "Medelartärtryck"}},
                                  {"pulse_per_min",
                                   codes::kPulseRate,
                                   "Pulse rate",
                                   "pulse",
                                   "pulse",
                                   " /min",
                                   kPulse,
                                   false,
                                   {"Pulssi", "Puls"},
                                   kPulseEntry}};
const KindComponent kGlucoseParts[] = {
    {"mmol_per_l",
     codes::kGlucose,
     "Glucose in capillary blood",
     "glucose",
     "glucose",
     " mmol/L",
     PlausibleLimits{0.5, 60},
     true,
     {"Verensokeri (kapillaariveri)", "Blodsocker (kapillärblod)"},
     ManualEntryRule{{0.1, 600}, {2.5, 25}, 12}}};
const KindComponent kInrParts[] = {{"ratio",
                                    codes::kInr,
                                    "INR",
                                    "inr",
                                    "INR",
                                    "",
                                    PlausibleLimits{0.5, 15},
                                    true,
                                    {"INR", "INR"},
                                    ManualEntryRule{{0.1, 150}, {0.8, 6}, 2.0}},
                                   {"prothrombin_time_s",
                                    codes::kProthrombinTime,
                                    "Prothrombin time",
                                    "prothrombin_time",
                                    "prothrombin time",
                                    " s",
                                    std::nullopt,
                                    false,
                                    {"Protrombiiniaika", "Protrombintid"}}};
const KindComponent kWeightParts[] = {{"kg",
                                       codes::kBodyWeight,
                                       "Body weight",
                                       "weight",
                                       "weight",
                                       " kg",
                                       PlausibleLimits{1, 400},
                                       true,
                                       {"Paino", "Vikt"},
                                       ManualEntryRule{{0.1, 4000}, {25, 250}, 5}}};
const KindComponent kSpo2Parts[] = {{"percent",
                                     codes::kSpo2,
                                     "Oxygen saturation (pulse oximetry)",
                                     "spo2",
                                     "SpO2",
                                     " %",
                                     PlausibleLimits{50, 100},
                                     true,
                                     {"Happisaturaatio", "Syremättnad"},
                                     ManualEntryRule{{1, 100}, {85, 100}, 8}},
                                    {"pulse_per_min",
                                     codes::kPulseRate,
                                     "Pulse rate",
                                     "pulse",
                                     "pulse",
                                     " /min",
                                     kPulse,
                                     false,
                                     {"Pulssi", "Puls"},
                                     kPulseEntry}};
const KindComponent kTemperatureParts[] = {{"celsius",
                                            codes::kBodyTemperature,
                                            "Body temperature",
                                            "temperature",
                                            "temperature",
                                            " °C",
                                            PlausibleLimits{25, 45},
                                            true,
                                            {"Ruumiinlämpö", "Kroppstemperatur"},
                                            ManualEntryRule{{1, 450}, {34, 41}, 2.5}}};

// Heart rate (Bluetooth SIG Heart Rate Profile): a kind with no value type of its own, carried
// as a GenericMeasurement. MDC_ECG_HEART_RATE (IEEE 11073-10101), LOINC 8867-4 "Heart rate".
constexpr Code kHeartRate{147842, "MDC_ECG_HEART_RATE", "8867-4", "/min"};
const KindComponent kHeartRateParts[] = {{"beats_per_min",
                                          kHeartRate,
                                          "Heart rate",
                                          "heart_rate",
                                          "heart rate",
                                          " /min",
                                          kPulse,
                                          true,
                                          {"Syke", "Hjärtfrekvens"}}};

const KindNote kGlucoseNotes[] = {
    {"meal", "Meal context", "unknown", {"Ateriatieto", "Måltidsinformation"}}};
const KindNote kInrNotes[] = {
    {"strip_lot", "Test strip lot", "", {"Testiliuskan erä", "Teststickans parti"}}};

// The Finnish PHR (Kanta) profiles, FHIR R4 StructureDefinitions version 0.1.0 (docs/fhir.md:
// where they were read, and each rule's source). Blood pressure: the panel's two components
// only (systolic, diastolic; the slicing is closed). Blood glucose: LOINC 15074-8 together with
// 14743-9 (the profile's invariants PHR-2/PHR-3), Quantity.unit "mmol/l" with code mmol/L.
constexpr FinnishPhr kPhrBloodPressure{true, 2, "", "", ""};
constexpr FinnishPhr kPhrBloodGlucose{
    true, 0, "14743-9", "Glucose [Moles/volume] in Capillary blood by Glucometer", "mmol/l"};
constexpr FinnishPhr kPhrBodyWeight{true, 0, "", "", ""};
// No PHR profile (INR, the implant summary) or none whose R4 definition was read here (SpO2,
// body temperature, heart rate): the FHIR base or HL7 vital-signs profile, and no PHR rules.
constexpr std::string_view kBaseObservation = "http://hl7.org/fhir/StructureDefinition/Observation";

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
     "http://phr.kanta.fi/StructureDefinition/fiphr-sd-bloodpressure",
     FhirShape::kPanel,
     true,
     false,
     kBpParts,
     {},
     kPhrBloodPressure,
     {"Verenpaine", "Blodtryck"}},
    {"glucose",
     codes::kGlucose,
     "Glucose in capillary blood",
     "kind.glucose",
     "Blood glucose meter",
     "vital-signs",  // the PHR profile derives from vital signs (category VSCat required)
     "http://phr.kanta.fi/StructureDefinition/fiphr-sd-bloodglucose",
     FhirShape::kValue,
     true,
     true,
     kGlucoseParts,
     kGlucoseNotes,
     kPhrBloodGlucose,
     {"Verensokeri", "Blodsocker"}},
    {"inr",
     codes::kInr,
     "INR",
     "kind.inr",
     "Coagulation (INR) meter",
     "laboratory",
     kBaseObservation,
     FhirShape::kValue,
     true,
     false,
     kInrParts,
     kInrNotes,
     {},
     {"INR (veren hyytymisarvo)", "INR (blodets koagulationsvärde)"}},
    {"implant",
     kImplantSummary,
     "Cardiac implant remote follow-up summary",
     "kind.implant",
     "Cardiac implantable electronic device",
     "",
     kBaseObservation,
     FhirShape::kImplant,
     true,
     false,
     {},
     {},
     {},
     {"Sydänimplantin etäseurannan yhteenveto",
      "Sammanfattning av distansuppföljningen av hjärtimplantatet"}},
    {"weight",
     codes::kBodyWeight,
     "Body weight",
     "kind.weight",
     "Weighing scale",
     "vital-signs",
     "http://phr.kanta.fi/StructureDefinition/fiphr-sd-bodyweight",
     FhirShape::kValue,
     true,
     false,
     kWeightParts,
     {},
     kPhrBodyWeight,
     {"Paino", "Vikt"}},
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
     {},
     {},
     {"Happisaturaatio", "Syremättnad"}},
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
     {},
     {},
     {"Ruumiinlämpö", "Kroppstemperatur"}},
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
     {},
     {},
     {"Syke", "Hjärtfrekvens"}},
}};
// Every alternative but the last (GenericMeasurement) is a typed kind with its row at its index.
constexpr std::size_t kTypedKinds = std::variant_size_v<Measurement> - 1;
static_assert(
    std::is_same_v<std::variant_alternative_t<kTypedKinds, Measurement>, GenericMeasurement>);
static_assert(kRows.size() >= kTypedKinds,
              "every typed Measurement alternative needs its row in the kind table");

}  // namespace

std::span<const KindRow> kind_table() { return kRows; }

}  // namespace kotona
