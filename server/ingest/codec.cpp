#include "server/ingest/codec.h"

#include <cmath>
#include <cstdlib>

#include "core/codes.h"
#include "kotona/v1/readings.pb.h"

namespace kotona::server::ingest {

namespace {

namespace v1 = ::kotona::v1;
using codes::Code;
using store::Disposition;

constexpr std::int64_t kEarliestHubMs = 1'577'836'800'000;  // 2020-01-01T00:00:00Z
constexpr std::int64_t kMaxHubAheadMs = 24LL * 3600 * 1000;
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
  // else is refused rather than dropped, which would turn a limit into an exact value.
  static bool comparable(std::string_view field) {
    for (std::string_view f :
         {"concentration", "ratio", "lead_impedance", "sensing_amplitude", "capture_threshold",
          "paced_percent", "battery_voltage", "longevity", "at_af_burden"}) {
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
    case v1::Reading::MEASUREMENT_NOT_SET:
      break;
  }
  c.note("no measurement");
  return std::nullopt;
}

bool plausible_hub_ms(std::int64_t hub, HubTime now) {
  return hub >= kEarliestHubMs && hub <= now.time_since_epoch().count() + kMaxHubAheadMs;
}

void check_times(const v1::Reading& p, Checker& c) {
  // A wrong hub clock is not the reading's fault: rebase_hub_clock() repairs and flags it.
  // A wrong device clock is flagged, never rejected (invariant 6); only overflow is absurd.
  if (p.has_device_time_unix_s() && std::llabs(p.device_time_unix_s()) > kMaxAbsSeconds) {
    c.note("device_time_unix_s out of range");
  }
  if (p.has_clock_offset_s() && std::llabs(p.clock_offset_s()) > kMaxAbsOffsetS) {
    c.note("clock_offset_s out of range");
  }
}

// The hub clock was wrong when it stamped this reading (before 2020 or more than a day ahead
// of the server: a dead RTC, a bad NTP step). Rejecting it would lose a good measurement, so
// the times are moved into the server's frame instead and the reading is flagged
// clock_suspect: shifted by the batch's own skew (sent time vs server receive time, same hub
// clock) when the batch time is wrong too, else pinned to the receive time (the clock was
// fixed between measuring and sending; the reading is no newer than its arrival).
void rebase_hub_clock(Reading& r, HubTime now, std::optional<std::chrono::milliseconds> skew) {
  if (plausible_hub_ms(r.hub_time.time_since_epoch().count(), now)) return;
  r.quality.clock_suspect = true;
  if (skew) {
    r.hub_time -= *skew;
    if (r.clock_offset) {
      r.clock_offset = *r.clock_offset - std::chrono::duration_cast<std::chrono::seconds>(*skew);
    }
  } else {
    r.hub_time = now;
    r.clock_offset.reset();  // relative to a clock we no longer trust
  }
}

// The domain Reading, or the reason it is rejected.
Result<Reading> from_proto(const v1::Reading& p) {
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
  auto measurement = get_measurement(p, c);
  if (measurement) r.measurement = std::move(*measurement);
  if (!c.error && make_reading_uid(r.gateway, r) != r.uid) {
    c.note("reading_uid does not match its device-native fields");
  }
  if (c.error) return fail(c.errc, *c.error);
  return r;
}

v1::Disposition to_proto(Disposition d) {
  switch (d) {
    case Disposition::kStored:
      return v1::DISPOSITION_STORED;
    case Disposition::kDuplicate:
      return v1::DISPOSITION_DUPLICATE;
    case Disposition::kConflict:  // stored, under a derived uid
      return v1::DISPOSITION_STORED;
    case Disposition::kQuarantined:
      return v1::DISPOSITION_QUARANTINED;
    case Disposition::kRejected:
      return v1::DISPOSITION_REJECTED;
  }
  return v1::DISPOSITION_UNSPECIFIED;
}

}  // namespace

Result<store::Batch> decode_batch(std::string_view bytes, HubTime now) {
  v1::ReadingBatch proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return fail(Errc::kMalformed, "not a kotona.v1.ReadingBatch");
  }
  if (proto.schema_version() != kSchemaVersion) {
    return fail(Errc::kUnsupported,
                "schema_version " + std::to_string(proto.schema_version()) + ", expected 1");
  }
  if (!is_valid_id_text(proto.gateway_id())) {
    return fail(Errc::kMalformed, "batch gateway_id is not valid id text");
  }
  store::Batch batch;
  batch.gateway = GatewayId{proto.gateway_id()};
  batch.batch_id = proto.batch_id();
  std::optional<std::chrono::milliseconds> skew;
  if (proto.sent_unix_ms() != 0 && !plausible_hub_ms(proto.sent_unix_ms(), now)) {
    skew = std::chrono::milliseconds(proto.sent_unix_ms() - now.time_since_epoch().count());
  }
  for (const auto& p : proto.readings()) {
    auto reading = from_proto(p);
    if (reading) {
      rebase_hub_clock(*reading, now, skew);
      batch.readings.push_back(std::move(*reading));
    } else {
      batch.rejected.push_back({p.reading_uid(), reading.error(), p.SerializeAsString()});
    }
  }
  return batch;
}

std::string encode_ack(const GatewayId& gateway, std::uint64_t batch_id,
                       const std::vector<store::ReadingOutcome>& outcomes) {
  v1::Ack ack;  // every uid, duplicates included: the gateway deletes what is acked
  ack.set_gateway_id(gateway.value);
  ack.set_batch_id(batch_id);
  for (const auto& o : outcomes) {
    if (o.reading_uid.empty()) continue;
    auto* item = ack.add_readings();
    item->set_reading_uid(o.reading_uid);
    item->set_disposition(to_proto(o.disposition));
  }
  return ack.SerializeAsString();
}

Result<GatewayStatus> decode_status(std::string_view bytes) {
  v1::GatewayStatus p;
  if (!p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return fail(Errc::kMalformed, "not a kotona.v1.GatewayStatus");
  }
  if (!is_valid_id_text(p.gateway_id())) {
    return fail(Errc::kMalformed, "status gateway_id is not valid id text");
  }
  GatewayStatus s{GatewayId{p.gateway_id()},
                  HubTime{std::chrono::milliseconds{p.sent_unix_ms()}},
                  p.software_version(),
                  p.outbox_depth(),
                  p.oldest_unacked_unix_ms(),
                  {},
                  {},
                  p.uptime_s(),
                  {},
                  0,
                  0,
                  false};
  for (const auto& d : p.devices()) {
    s.devices.push_back({d.serial(), d.driver(), d.port(), d.state(), d.last_seen_unix_ms()});
    for (const auto& r : d.refused()) {
      s.devices.back().refused.push_back({r.reason(), r.count(), r.last_unix_ms()});
    }
  }
  for (const auto& [name, value] : p.counters()) s.counters[name] = value;
  if (p.has_storage()) {
    s.storage_state = p.storage().state();
    s.storage_full_since_unix_ms = p.storage().full_since_unix_ms();
    s.storage_available_bytes = p.storage().available_bytes();
    s.storage_reserve_in_place = p.storage().reserve_in_place();
  }
  return s;
}

}  // namespace kotona::server::ingest
