#include <cmath>
#include <cstdlib>

#include "core/codes.h"
#include "core/kinds.h"
#include "proto/codec/messages.h"
#include "proto/codec/wire.h"

namespace kotona::wire {

namespace {

using codes::Code;
using namespace detail;

constexpr std::int64_t kMaxAbsSeconds = 100LL * 366 * 24 * 3600 * 40;  // keeps chrono sane
constexpr std::int64_t kMaxAbsOffsetS = 100LL * 366 * 24 * 3600;
// No quantity in the schema comes near this in its unit (the largest, lead impedance, is
// bounded at 20000 Ohm by the relay protocol): a value beyond it is a corrupt or forged field,
// never a measurement, and is rejected before the store (issue 13: 1e300 never reaches the
// database or FHIR). Values within it but outside physiological limits are stored, flagged.
constexpr double kMaxAbsValue = 1e6;

// Collects the first validation error so the per-kind code reads as a list of fields.
struct Checker {
  std::optional<std::string> error;
  Errc errc = Errc::kMalformed;  // kOutOfRange: a value no store may hold (invariant 13 alert)
  void note(std::string detail, Errc why = Errc::kMalformed) {
    if (error) return;
    error = std::move(detail);
    errc = why;
  }
  double value(const v1::Quantity& q, const Code& code, const char* field) {
    if (q.ucum() != code.ucum) {
      note(std::string(field) + ": unit '" + q.ucum() + "', expected '" + std::string(code.ucum) +
           "'");
    }
    if (!std::isfinite(q.value())) {
      note(std::string(field) + ": value not finite (" + std::to_string(q.value()) + ")",
           Errc::kOutOfRange);
    } else if (std::fabs(q.value()) > kMaxAbsValue) {
      note(std::string(field) + ": absurd magnitude (" + std::to_string(q.value()) + ")",
           Errc::kOutOfRange);
    }
    if (q.comparator() != v1::COMPARATOR_UNSPECIFIED && !comparable(field)) {
      note(std::string(field) + ": comparator on a field that cannot carry one");
    }
    return q.value();
  }
  // Only these fields carry a comparator in the domain (core/reading.h); a comparator anywhere
  // else is refused rather than dropped, which would turn a limit into an exact value. A
  // generic component's comparator is judged by make_measurement (core/kinds.h).
  static bool comparable(std::string_view field) {
    for (std::string_view f :
         {"concentration", "ratio", "lead_impedance", "sensing_amplitude", "capture_threshold",
          "paced_percent", "battery_voltage", "longevity", "at_af_burden", "generic"}) {
      if (f == field) return true;
    }
    return false;
  }
  Comparator comparator(const v1::Quantity& q, const char* field) {
    switch (q.comparator()) {
      case v1::COMPARATOR_UNSPECIFIED:
        return Comparator::kNone;
      case v1::COMPARATOR_BELOW_RANGE:
        return Comparator::kBelowRange;
      case v1::COMPARATOR_ABOVE_RANGE:
        return Comparator::kAboveRange;
      default:
        break;
    }
    note(std::string(field) + ": unknown comparator " + std::to_string(q.comparator()));
    return Comparator::kNone;
  }
  double required(bool present, const v1::Quantity& q, const Code& code, const char* field) {
    if (!present) {
      note(std::string("missing ") + field);
      return 0;
    }
    return value(q, code, field);
  }
  std::optional<double> optional(bool present, const v1::Quantity& q, const Code& code,
                                 const char* field) {
    return present ? std::optional<double>(value(q, code, field)) : std::nullopt;
  }
  // An implant value with the relay's range indicator (comparator left kNone when absent).
  std::optional<double> optional(bool present, const v1::Quantity& q, const Code& code,
                                 const char* field, Comparator& comparator_out) {
    if (!present) return std::nullopt;
    comparator_out = comparator(q, field);
    return value(q, code, field);
  }
};

MealMarker from_proto(v1::MealMarker m) {
  switch (m) {
    case v1::MEAL_MARKER_PREPRANDIAL:
      return MealMarker::kPreprandial;
    case v1::MEAL_MARKER_POSTPRANDIAL:
      return MealMarker::kPostprandial;
    case v1::MEAL_MARKER_FASTING:
      return MealMarker::kFasting;
    case v1::MEAL_MARKER_BEDTIME:
      return MealMarker::kBedtime;
    default:
      return MealMarker::kUnknown;
  }
}

BatteryStatus from_proto(v1::BatteryStatus s) {
  switch (s) {
    case v1::BATTERY_STATUS_OK:
      return BatteryStatus::kOk;
    case v1::BATTERY_STATUS_RRT_ERI:
      return BatteryStatus::kRrtEri;
    case v1::BATTERY_STATUS_EOS:
      return BatteryStatus::kEos;
    default:
      return BatteryStatus::kUnknown;
  }
}

ImplantChamber get_chamber(const v1::ImplantChamber& p, Checker& c) {
  ImplantChamber out;
  out.lead_impedance_ohm =
      c.optional(p.has_lead_impedance(), p.lead_impedance(), codes::kLeadImpedance,
                 "lead_impedance", out.lead_impedance_comparator);
  out.sensing_amplitude_mv =
      c.optional(p.has_sensing_amplitude(), p.sensing_amplitude(), codes::kSensingAmplitude,
                 "sensing_amplitude", out.sensing_amplitude_comparator);
  out.capture_threshold_v =
      c.optional(p.has_capture_threshold(), p.capture_threshold(), codes::kCaptureThreshold,
                 "capture_threshold", out.capture_threshold_comparator);
  out.paced_percent = c.optional(p.has_paced_percent(), p.paced_percent(), codes::kPacedPercent,
                                 "paced_percent", out.paced_percent_comparator);
  return out;
}

CardiacImplantSummary get_implant(const v1::CardiacImplantSummary& p, Checker& c) {
  CardiacImplantSummary s;
  s.battery_status = from_proto(p.battery_status());
  s.battery_voltage_v =
      c.optional(p.has_battery_voltage(), p.battery_voltage(), codes::kImplantBatteryVoltage,
                 "battery_voltage", s.battery_voltage_comparator);
  s.longevity_months = c.optional(p.has_longevity(), p.longevity(), codes::kImplantLongevity,
                                  "longevity", s.longevity_comparator);
  s.right_atrium = get_chamber(p.right_atrium(), c);
  s.right_ventricle = get_chamber(p.right_ventricle(), c);
  s.left_ventricle = get_chamber(p.left_ventricle(), c);
  s.at_af_burden_percent = c.optional(p.has_at_af_burden(), p.at_af_burden(), codes::kAtAfBurden,
                                      "at_af_burden", s.at_af_burden_comparator);
  if (p.has_at_af_episodes()) s.at_af_episodes = p.at_af_episodes();
  if (p.has_vt_vf_episodes()) s.vt_vf_episodes = p.vt_vf_episodes();
  if (p.has_atp_therapies()) s.atp_therapies = p.atp_therapies();
  if (p.has_shocks_delivered()) s.shocks_delivered = p.shocks_delivered();
  return s;
}

// A generic measurement through the kind table: an unknown kind, a kind code, component key or
// unit other than the table's, or a value the kind cannot hold is refused, never guessed.
std::optional<Measurement> get_generic(const v1::GenericMeasurement& g, Checker& c) {
  const KindRow* row = find_kind(g.kind());
  if (row == nullptr) {
    c.note("generic: unknown kind '" + g.kind() + "'");
    return std::nullopt;
  }
  if (g.kind_mdc() != 0 && g.kind_mdc() != row->code.mdc) {
    c.note("generic " + g.kind() + ": kind code " + std::to_string(g.kind_mdc()) + ", expected " +
           std::to_string(row->code.mdc));
  }
  std::vector<ComponentValue> values;
  for (const auto& part : g.components()) {
    const KindComponent* known = find_component(*row, part.key());
    if (known == nullptr) {
      c.note("generic " + g.kind() + ": no component '" + part.key() + "'");
      return std::nullopt;
    }
    const std::string field = "generic " + std::string(known->key);
    values.push_back({known->key, c.value(part.quantity(), known->code, "generic"),
                      c.comparator(part.quantity(), field.c_str())});
  }
  auto m = make_measurement(*row, values);
  if (!m) {
    c.note(m.error().detail);
    return std::nullopt;
  }
  return *m;
}

std::optional<Measurement> get_measurement(const v1::Reading& r, Checker& c) {
  switch (r.measurement_case()) {
    case v1::Reading::kBloodPressure: {
      const auto& p = r.blood_pressure();
      return BloodPressure{
          c.required(p.has_systolic(), p.systolic(), codes::kSystolic, "systolic"),
          c.required(p.has_diastolic(), p.diastolic(), codes::kDiastolic, "diastolic"),
          c.optional(p.has_mean_arterial(), p.mean_arterial(), codes::kMeanArterial,
                     "mean_arterial"),
          c.optional(p.has_pulse(), p.pulse(), codes::kPulseRate, "pulse")};
    }
    case v1::Reading::kGlucose: {
      const auto& p = r.glucose();
      return Glucose{
          c.required(p.has_concentration(), p.concentration(), codes::kGlucose, "concentration"),
          from_proto(p.meal()), c.comparator(p.concentration(), "concentration")};
    }
    case v1::Reading::kInr: {
      const auto& p = r.inr();
      Inr inr{c.required(p.has_ratio(), p.ratio(), codes::kInr, "ratio"),
              c.optional(p.has_prothrombin_time(), p.prothrombin_time(), codes::kProthrombinTime,
                         "prothrombin_time"),
              std::nullopt, c.comparator(p.ratio(), "ratio")};
      if (p.has_strip_lot()) inr.strip_lot = p.strip_lot();
      return inr;
    }
    case v1::Reading::kImplant:
      return get_implant(r.implant(), c);
    case v1::Reading::kWeight:
      return Weight{
          c.required(r.weight().has_mass(), r.weight().mass(), codes::kBodyWeight, "mass")};
    case v1::Reading::kSpo2: {
      const auto& p = r.spo2();
      return Spo2{c.required(p.has_saturation(), p.saturation(), codes::kSpo2, "saturation"),
                  c.optional(p.has_pulse(), p.pulse(), codes::kPulseRate, "pulse")};
    }
    case v1::Reading::kTemperature:
      return Temperature{c.required(r.temperature().has_body(), r.temperature().body(),
                                    codes::kBodyTemperature, "body")};
    case v1::Reading::kGeneric:
      return get_generic(r.generic(), c);
    case v1::Reading::MEASUREMENT_NOT_SET:
      break;
  }
  c.note("no measurement");
  return std::nullopt;
}

void check_times(const v1::Reading& p, Checker& c) {
  // A wrong hub clock is not the reading's fault: the server moves it into its own frame and
  // flags it (server/ingest/codec.cpp).
  // A wrong device clock is flagged, never rejected (invariant 6); only overflow is absurd.
  if (p.has_device_time_unix_s() && std::llabs(p.device_time_unix_s()) > kMaxAbsSeconds) {
    c.note("device_time_unix_s out of range");
  }
  if (p.has_clock_offset_s() && std::llabs(p.clock_offset_s()) > kMaxAbsOffsetS) {
    c.note("clock_offset_s out of range");
  }
}

// Who entered the reading (issue 20 part 5). No provenance (older hubs) stays a device
// reading; an unknown source or enterer, or a person's name on a device reading, is rejected
// (kept in quarantine) rather than shown as something it is not.
void read_provenance(const v1::Provenance& in, Provenance& out, Checker& c) {
  if (!v1::EntrySource_IsValid(in.source())) return c.note("provenance.source unknown");
  if (!v1::Enterer_IsValid(in.enterer())) return c.note("provenance.enterer unknown");
  out.source = static_cast<EntrySource>(in.source());
  out.enterer = static_cast<Enterer>(in.enterer());
  out.enterer_name = in.enterer_name();
  if (out.source == EntrySource::kDevice &&
      (out.enterer != Enterer::kPatient || !out.enterer_name.empty())) {
    return c.note("provenance names a person on a device reading");
  }
  if (!is_valid_enterer_name(out.enterer_name)) {
    c.note("provenance.enterer_name too long or not printable UTF-8");
  }
}

}  // namespace

// The domain Reading, or the reason it is rejected.
Result<Reading> detail::from_proto(const v1::Reading& p) {
  Checker c;
  Reading r;
  r.uid = ReadingUid{p.reading_uid()};
  r.gateway = GatewayId{p.gateway_id()};
  r.device =
      DeviceIdentity{p.device().vendor(), p.device().model(), DeviceSerial{p.device().serial()},
                     p.device().firmware(), p.device().driver()};
  r.record_id = p.record_id();
  if (!is_valid_id_text(r.gateway.value)) c.note("reading gateway_id is not valid id text");
  if (!is_valid_id_text(r.device.serial.value)) c.note("device serial is not valid id text");
  check_times(p, c);
  if (p.has_device_time_unix_s()) {
    r.device_time = DeviceTime{std::chrono::seconds{p.device_time_unix_s()}};
  }
  r.hub_time = HubTime{std::chrono::milliseconds{p.hub_time_unix_ms()}};
  if (p.has_clock_offset_s()) r.clock_offset = std::chrono::seconds{p.clock_offset_s()};
  const auto& q = p.quality();
  r.quality = QualityFlags{q.clock_suspect(), q.clock_missing(), q.irregular_pulse(),
                           q.body_movement(), q.device_error(),  q.control_result()};
  if (v1::TimePrecision_IsValid(q.device_time_precision())) {
    r.quality.device_time_precision = static_cast<TimePrecision>(q.device_time_precision());
  } else {
    c.note("quality.device_time_precision unknown");
  }
  if (p.has_provenance()) read_provenance(p.provenance(), r.provenance, c);
  auto measurement = get_measurement(p, c);
  if (measurement) r.measurement = std::move(*measurement);
  if (!c.error && make_reading_uid(r.gateway, r) != r.uid) {
    c.note("reading_uid does not match its device-native fields");
  }
  if (c.error) return fail(c.errc, *c.error);
  return r;
}

Result<Reading> decode_reading(std::string_view bytes) {
  v1::Reading r;
  if (!r.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return fail(Errc::kMalformed, "not a kotona.v1.Reading");
  }
  return detail::from_proto(r);
}

}  // namespace kotona::wire
