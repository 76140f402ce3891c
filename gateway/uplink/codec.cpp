#include "gateway/uplink/codec.h"

#include "core/codes.h"
#include "core/overloaded.h"
#include "kotona/v1/readings.pb.h"

namespace kotona::gateway {

namespace {

namespace v1 = ::kotona::v1;
using codes::Code;

// Comparator and v1::Comparator share their numbering (readings.proto), checked here.
static_assert(static_cast<int>(Comparator::kNone) == v1::COMPARATOR_UNSPECIFIED &&
              static_cast<int>(Comparator::kBelowRange) == v1::COMPARATOR_BELOW_RANGE &&
              static_cast<int>(Comparator::kAboveRange) == v1::COMPARATOR_ABOVE_RANGE);
v1::Comparator to_proto(Comparator c) { return static_cast<v1::Comparator>(c); }

void put(v1::Quantity* q, double value, const Code& code,
         Comparator comparator = Comparator::kNone) {
  q->set_value(value);
  q->set_comparator(to_proto(comparator));
  q->set_ucum(std::string(code.ucum));
  q->set_mdc_code(code.mdc);
  q->set_mdc_ref(std::string(code.mdc_ref));
  q->set_loinc(std::string(code.loinc));
}

template <typename Setter>
void put_opt(const std::optional<double>& value, const Code& code, Setter mutable_field,
             Comparator comparator = Comparator::kNone) {
  if (value) put(mutable_field(), *value, code, comparator);
}

// Collects the first decoding error so the per-kind code reads as a straight list of fields.
struct Decoder {
  std::optional<Error> error;

  double required(bool present, const v1::Quantity& q, const Code& code, const char* field) {
    if (!present) {
      note(std::string("missing ") + field);
      return 0;
    }
    return checked(q, code, field);
  }
  std::optional<double> optional(bool present, const v1::Quantity& q, const Code& code,
                                 const char* field) {
    if (!present) return std::nullopt;
    return checked(q, code, field);
  }
  // An implant value with the relay's range indicator (comparator left kNone when absent).
  std::optional<double> optional(bool present, const v1::Quantity& q, const Code& code,
                                 const char* field, Comparator& comparator_out) {
    if (!present) return std::nullopt;
    comparator_out = comparator(q, field);
    return checked(q, code, field);
  }
  double checked(const v1::Quantity& q, const Code& code, const char* field) {
    if (q.ucum() != code.ucum) {
      note(std::string(field) + ": unit '" + q.ucum() + "', expected '" + std::string(code.ucum) +
           "'");
    }
    if (q.comparator() != v1::COMPARATOR_UNSPECIFIED && !comparable(field)) {
      note(std::string(field) + ": comparator on a field that cannot carry one");
    }
    return q.value();
  }
  // Only these fields carry a comparator in the domain (core/reading.h).
  static bool comparable(std::string_view field) {
    for (std::string_view f :
         {"concentration", "ratio", "lead_impedance", "sensing_amplitude", "capture_threshold",
          "paced_percent", "battery_voltage", "longevity", "at_af_burden"}) {
      if (f == field) return true;
    }
    return false;
  }
  Comparator comparator(const v1::Quantity& q, const char* field) {
    if (q.comparator() >= 0 && q.comparator() <= v1::COMPARATOR_ABOVE_RANGE) {
      return static_cast<Comparator>(q.comparator());
    }
    note(std::string(field) + ": unknown comparator");
    return Comparator::kNone;
  }
  void note(std::string detail) {
    if (!error) error = Error{Errc::kMalformed, 0, std::move(detail)};
  }
};

v1::MealMarker to_proto(MealMarker m) {
  switch (m) {
    case MealMarker::kPreprandial:
      return v1::MEAL_MARKER_PREPRANDIAL;
    case MealMarker::kPostprandial:
      return v1::MEAL_MARKER_POSTPRANDIAL;
    case MealMarker::kFasting:
      return v1::MEAL_MARKER_FASTING;
    case MealMarker::kBedtime:
      return v1::MEAL_MARKER_BEDTIME;
    case MealMarker::kUnknown:
      break;
  }
  return v1::MEAL_MARKER_UNSPECIFIED;
}

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

v1::BatteryStatus to_proto(BatteryStatus s) {
  switch (s) {
    case BatteryStatus::kOk:
      return v1::BATTERY_STATUS_OK;
    case BatteryStatus::kRrtEri:
      return v1::BATTERY_STATUS_RRT_ERI;
    case BatteryStatus::kEos:
      return v1::BATTERY_STATUS_EOS;
    case BatteryStatus::kUnknown:
      break;
  }
  return v1::BATTERY_STATUS_UNSPECIFIED;
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

// `which` picks the chamber's own IDC code (RA, RV or LV member of codes::ChamberCodes).
void put_chamber(const ImplantChamber& c, codes::Code codes::ChamberCodes::*which,
                 v1::ImplantChamber* p) {
  put_opt(
      c.lead_impedance_ohm, codes::kLeadImpedanceByChamber.*which,
      [p] { return p->mutable_lead_impedance(); }, c.lead_impedance_comparator);
  put_opt(
      c.sensing_amplitude_mv, codes::kSensingAmplitudeByChamber.*which,
      [p] { return p->mutable_sensing_amplitude(); }, c.sensing_amplitude_comparator);
  put_opt(
      c.capture_threshold_v, codes::kCaptureThresholdByChamber.*which,
      [p] { return p->mutable_capture_threshold(); }, c.capture_threshold_comparator);
  put_opt(
      c.paced_percent, codes::kPacedPercentByChamber.*which,
      [p] { return p->mutable_paced_percent(); }, c.paced_percent_comparator);
}

ImplantChamber get_chamber(const v1::ImplantChamber& p, Decoder& d) {
  ImplantChamber c;
  c.lead_impedance_ohm =
      d.optional(p.has_lead_impedance(), p.lead_impedance(), codes::kLeadImpedance,
                 "lead_impedance", c.lead_impedance_comparator);
  c.sensing_amplitude_mv =
      d.optional(p.has_sensing_amplitude(), p.sensing_amplitude(), codes::kSensingAmplitude,
                 "sensing_amplitude", c.sensing_amplitude_comparator);
  c.capture_threshold_v =
      d.optional(p.has_capture_threshold(), p.capture_threshold(), codes::kCaptureThreshold,
                 "capture_threshold", c.capture_threshold_comparator);
  c.paced_percent = d.optional(p.has_paced_percent(), p.paced_percent(), codes::kPacedPercent,
                               "paced_percent", c.paced_percent_comparator);
  return c;
}

void put_implant(const CardiacImplantSummary& s, v1::CardiacImplantSummary* p) {
  p->set_battery_status(to_proto(s.battery_status));
  put_opt(
      s.battery_voltage_v, codes::kImplantBatteryVoltage,
      [p] { return p->mutable_battery_voltage(); }, s.battery_voltage_comparator);
  put_opt(
      s.longevity_months, codes::kImplantLongevity, [p] { return p->mutable_longevity(); },
      s.longevity_comparator);
  put_chamber(s.right_atrium, &codes::ChamberCodes::ra, p->mutable_right_atrium());
  put_chamber(s.right_ventricle, &codes::ChamberCodes::rv, p->mutable_right_ventricle());
  put_chamber(s.left_ventricle, &codes::ChamberCodes::lv, p->mutable_left_ventricle());
  put_opt(
      s.at_af_burden_percent, codes::kAtAfBurden, [p] { return p->mutable_at_af_burden(); },
      s.at_af_burden_comparator);
  if (s.at_af_episodes) p->set_at_af_episodes(*s.at_af_episodes);
  if (s.vt_vf_episodes) p->set_vt_vf_episodes(*s.vt_vf_episodes);
  if (s.atp_therapies) p->set_atp_therapies(*s.atp_therapies);
  if (s.shocks_delivered) p->set_shocks_delivered(*s.shocks_delivered);
}

CardiacImplantSummary get_implant(const v1::CardiacImplantSummary& p, Decoder& d) {
  CardiacImplantSummary s;
  s.battery_status = from_proto(p.battery_status());
  s.battery_voltage_v =
      d.optional(p.has_battery_voltage(), p.battery_voltage(), codes::kImplantBatteryVoltage,
                 "battery_voltage", s.battery_voltage_comparator);
  s.longevity_months = d.optional(p.has_longevity(), p.longevity(), codes::kImplantLongevity,
                                  "longevity", s.longevity_comparator);
  s.right_atrium = get_chamber(p.right_atrium(), d);
  s.right_ventricle = get_chamber(p.right_ventricle(), d);
  s.left_ventricle = get_chamber(p.left_ventricle(), d);
  s.at_af_burden_percent = d.optional(p.has_at_af_burden(), p.at_af_burden(), codes::kAtAfBurden,
                                      "at_af_burden", s.at_af_burden_comparator);
  if (p.has_at_af_episodes()) s.at_af_episodes = p.at_af_episodes();
  if (p.has_vt_vf_episodes()) s.vt_vf_episodes = p.vt_vf_episodes();
  if (p.has_atp_therapies()) s.atp_therapies = p.atp_therapies();
  if (p.has_shocks_delivered()) s.shocks_delivered = p.shocks_delivered();
  return s;
}

void put_measurement(const Measurement& m, v1::Reading& r) {
  std::visit(Overloaded{
                 [&](const BloodPressure& bp) {
                   auto* p = r.mutable_blood_pressure();
                   put(p->mutable_systolic(), bp.systolic_mmhg, codes::kSystolic);
                   put(p->mutable_diastolic(), bp.diastolic_mmhg, codes::kDiastolic);
                   put_opt(bp.mean_arterial_mmhg, codes::kMeanArterial,
                           [p] { return p->mutable_mean_arterial(); });
                   put_opt(bp.pulse_per_min, codes::kPulseRate, [p] { return p->mutable_pulse(); });
                 },
                 [&](const Glucose& g) {
                   put(r.mutable_glucose()->mutable_concentration(), g.mmol_per_l, codes::kGlucose,
                       g.comparator);
                   r.mutable_glucose()->set_meal(to_proto(g.meal));
                 },
                 [&](const Inr& inr) {
                   auto* p = r.mutable_inr();
                   put(p->mutable_ratio(), inr.ratio, codes::kInr, inr.comparator);
                   put_opt(inr.prothrombin_time_s, codes::kProthrombinTime,
                           [p] { return p->mutable_prothrombin_time(); });
                   if (inr.strip_lot) p->set_strip_lot(*inr.strip_lot);
                 },
                 [&](const CardiacImplantSummary& s) { put_implant(s, r.mutable_implant()); },
                 [&](const Weight& w) {
                   put(r.mutable_weight()->mutable_mass(), w.kg, codes::kBodyWeight);
                 },
                 [&](const Spo2& s) {
                   auto* p = r.mutable_spo2();
                   put(p->mutable_saturation(), s.percent, codes::kSpo2);
                   put_opt(s.pulse_per_min, codes::kPulseRate, [p] { return p->mutable_pulse(); });
                 },
                 [&](const Temperature& t) {
                   put(r.mutable_temperature()->mutable_body(), t.celsius, codes::kBodyTemperature);
                 },
             },
             m);
}

std::optional<Measurement> get_measurement(const v1::Reading& r, Decoder& d) {
  switch (r.measurement_case()) {
    case v1::Reading::kBloodPressure: {
      const auto& p = r.blood_pressure();
      return BloodPressure{
          d.required(p.has_systolic(), p.systolic(), codes::kSystolic, "systolic"),
          d.required(p.has_diastolic(), p.diastolic(), codes::kDiastolic, "diastolic"),
          d.optional(p.has_mean_arterial(), p.mean_arterial(), codes::kMeanArterial,
                     "mean_arterial"),
          d.optional(p.has_pulse(), p.pulse(), codes::kPulseRate, "pulse")};
    }
    case v1::Reading::kGlucose: {
      const auto& p = r.glucose();
      return Glucose{
          d.required(p.has_concentration(), p.concentration(), codes::kGlucose, "concentration"),
          from_proto(p.meal()), d.comparator(p.concentration(), "concentration")};
    }
    case v1::Reading::kInr: {
      const auto& p = r.inr();
      Inr inr{d.required(p.has_ratio(), p.ratio(), codes::kInr, "ratio"),
              d.optional(p.has_prothrombin_time(), p.prothrombin_time(), codes::kProthrombinTime,
                         "prothrombin_time"),
              std::nullopt, d.comparator(p.ratio(), "ratio")};
      if (p.has_strip_lot()) inr.strip_lot = p.strip_lot();
      return inr;
    }
    case v1::Reading::kImplant:
      return get_implant(r.implant(), d);
    case v1::Reading::kWeight:
      return Weight{
          d.required(r.weight().has_mass(), r.weight().mass(), codes::kBodyWeight, "mass")};
    case v1::Reading::kSpo2: {
      const auto& p = r.spo2();
      return Spo2{d.required(p.has_saturation(), p.saturation(), codes::kSpo2, "saturation"),
                  d.optional(p.has_pulse(), p.pulse(), codes::kPulseRate, "pulse")};
    }
    case v1::Reading::kTemperature:
      return Temperature{d.required(r.temperature().has_body(), r.temperature().body(),
                                    codes::kBodyTemperature, "body")};
    case v1::Reading::MEASUREMENT_NOT_SET:
      break;
  }
  d.note("reading has no known measurement");
  return std::nullopt;
}

void to_proto(const Reading& in, v1::Reading& r) {
  r.set_reading_uid(in.uid.value);
  r.set_gateway_id(in.gateway.value);
  auto* dev = r.mutable_device();
  dev->set_vendor(in.device.vendor);
  dev->set_model(in.device.model);
  dev->set_serial(in.device.serial.value);
  dev->set_firmware(in.device.firmware);
  dev->set_driver(in.device.driver);
  r.set_record_id(in.record_id);
  if (in.device_time) r.set_device_time_unix_s(in.device_time->time_since_epoch().count());
  r.set_hub_time_unix_ms(in.hub_time.time_since_epoch().count());
  if (in.clock_offset) r.set_clock_offset_s(in.clock_offset->count());
  auto* q = r.mutable_quality();
  q->set_clock_suspect(in.quality.clock_suspect);
  q->set_clock_missing(in.quality.clock_missing);
  q->set_irregular_pulse(in.quality.irregular_pulse);
  q->set_body_movement(in.quality.body_movement);
  q->set_device_error(in.quality.device_error);
  q->set_control_result(in.quality.control_result);
  q->set_device_time_precision(
      static_cast<v1::TimePrecision>(static_cast<int>(in.quality.device_time_precision)));
  put_measurement(in.measurement, r);
}

HubTime from_unix_ms(std::int64_t ms) { return HubTime{std::chrono::milliseconds{ms}}; }

}  // namespace

std::string encode_reading(const Reading& reading) {
  v1::Reading r;
  to_proto(reading, r);
  return r.SerializeAsString();
}

Result<Reading> decode_reading(const std::string& bytes) {
  v1::Reading r;
  if (!r.ParseFromString(bytes)) return fail(Errc::kMalformed, "not a kotona.v1.Reading");
  Decoder d;
  auto measurement = get_measurement(r, d);
  if (d.error) return fail(*d.error);
  Reading out;
  out.uid = ReadingUid{r.reading_uid()};
  out.gateway = GatewayId{r.gateway_id()};
  out.device =
      DeviceIdentity{r.device().vendor(), r.device().model(), DeviceSerial{r.device().serial()},
                     r.device().firmware(), r.device().driver()};
  out.record_id = r.record_id();
  if (r.has_device_time_unix_s()) {
    out.device_time = DeviceTime{std::chrono::seconds{r.device_time_unix_s()}};
  }
  out.hub_time = from_unix_ms(r.hub_time_unix_ms());
  if (r.has_clock_offset_s()) out.clock_offset = std::chrono::seconds{r.clock_offset_s()};
  const auto& q = r.quality();
  out.quality = QualityFlags{q.clock_suspect(), q.clock_missing(), q.irregular_pulse(),
                             q.body_movement(), q.device_error(),  q.control_result()};
  // Our own outbox wrote it: a value this build does not know reads as the finest precision.
  if (v1::TimePrecision_IsValid(q.device_time_precision())) {
    out.quality.device_time_precision = static_cast<TimePrecision>(q.device_time_precision());
  }
  out.measurement = std::move(*measurement);
  return out;
}

Result<std::string> encode_batch(const GatewayId& gateway, std::uint64_t batch_id, HubTime sent,
                                 std::span<const std::string> payloads) {
  v1::ReadingBatch batch;
  batch.set_schema_version(1);
  batch.set_gateway_id(gateway.value);
  batch.set_batch_id(batch_id);
  batch.set_sent_unix_ms(sent.time_since_epoch().count());
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    if (!batch.add_readings()->ParseFromString(payloads[i])) {
      return fail(Errc::kMalformed, i, "outbox payload is not a kotona.v1.Reading");
    }
  }
  return batch.SerializeAsString();
}

Result<AckMessage> decode_ack(const std::string& bytes) {
  v1::Ack ack;
  if (!ack.ParseFromString(bytes)) return fail(Errc::kMalformed, "not a kotona.v1.Ack");
  if (ack.gateway_id().empty()) return fail(Errc::kMalformed, "ack without gateway_id");
  AckMessage out{GatewayId{ack.gateway_id()}, ack.batch_id(), {}};
  for (const auto& r : ack.readings()) {
    if (r.reading_uid().empty()) return fail(Errc::kMalformed, "ack entry without reading_uid");
    out.reading_uids.push_back(r.reading_uid());
  }
  return out;
}

std::string encode_status(const GatewayStatusInfo& status) {
  v1::GatewayStatus s;
  s.set_gateway_id(status.gateway.value);
  s.set_sent_unix_ms(status.sent.time_since_epoch().count());
  s.set_software_version(status.software_version);
  s.set_outbox_depth(status.outbox_depth);
  s.set_oldest_unacked_unix_ms(
      status.oldest_unacked ? status.oldest_unacked->time_since_epoch().count() : 0);
  for (const auto& d : status.devices) {
    auto* p = s.add_devices();
    p->set_serial(d.serial);
    p->set_driver(d.driver);
    p->set_port(d.port);
    p->set_state(d.state);
    p->set_last_seen_unix_ms(d.last_seen ? d.last_seen->time_since_epoch().count() : 0);
    for (const auto& r : d.refused) {
      auto* refused = p->add_refused();
      refused->set_reason(r.reason);
      refused->set_count(r.count);
      refused->set_last_unix_ms(r.last.time_since_epoch().count());
    }
  }
  for (const auto& [name, value] : status.counters) (*s.mutable_counters())[name] = value;
  s.set_uptime_s(status.uptime.count());
  auto* storage = s.mutable_storage();
  storage->set_state(status.storage.state);
  storage->set_full_since_unix_ms(
      status.storage.full_since ? status.storage.full_since->time_since_epoch().count() : 0);
  storage->set_available_bytes(status.storage.available_bytes);
  storage->set_reserve_in_place(status.storage.reserve_in_place);
  return s.SerializeAsString();
}

std::string encode_ack_for_test(const GatewayId& gateway, std::uint64_t batch_id,
                                std::span<const std::string> uids) {
  v1::Ack ack;
  ack.set_gateway_id(gateway.value);
  ack.set_batch_id(batch_id);
  for (const auto& uid : uids) {
    auto* r = ack.add_readings();
    r->set_reading_uid(uid);
    r->set_disposition(v1::DISPOSITION_STORED);
  }
  return ack.SerializeAsString();
}

Result<DecodedBatch> decode_batch_for_test(const std::string& bytes) {
  v1::ReadingBatch batch;
  if (!batch.ParseFromString(bytes)) return fail(Errc::kMalformed, "not a ReadingBatch");
  DecodedBatch out{GatewayId{batch.gateway_id()}, batch.batch_id(), {}};
  for (const auto& r : batch.readings()) {
    auto reading = decode_reading(r.SerializeAsString());
    if (!reading) return fail(reading.error());
    out.readings.push_back(std::move(*reading));
  }
  return out;
}

}  // namespace kotona::gateway
