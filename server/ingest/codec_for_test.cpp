// Test-only encoders of the server codec (the *_for_test functions of codec.h): tests play the
// gateway with these. Part of the codec: one of the two server files that include the *.pb.h.
#include "core/codes.h"
#include "core/overloaded.h"
#include "kotona/v1/readings.pb.h"
#include "server/ingest/codec.h"

namespace kotona::server::ingest {

namespace {

namespace v1 = ::kotona::v1;
using codes::Code;
using store::Disposition;

// Comparator and v1::Comparator share their numbering (none 0, below 1, above 2).
void put(v1::Quantity* q, double value, const Code& code,
         Comparator comparator = Comparator::kNone) {
  q->set_value(value);
  q->set_comparator(static_cast<v1::Comparator>(comparator));
  q->set_ucum(std::string(code.ucum));
  q->set_mdc_code(code.mdc);
  q->set_mdc_ref(std::string(code.mdc_ref));
  q->set_loinc(std::string(code.loinc));
}

template <typename Mutable>
void put_opt(const std::optional<double>& v, const Code& code, Mutable mutable_field,
             Comparator comparator = Comparator::kNone) {
  if (v) put(mutable_field(), *v, code, comparator);
}

void put_chamber(const ImplantChamber& c, v1::ImplantChamber* p) {
  put_opt(
      c.lead_impedance_ohm, codes::kLeadImpedance, [p] { return p->mutable_lead_impedance(); },
      c.lead_impedance_comparator);
  put_opt(
      c.sensing_amplitude_mv, codes::kSensingAmplitude,
      [p] { return p->mutable_sensing_amplitude(); }, c.sensing_amplitude_comparator);
  put_opt(
      c.capture_threshold_v, codes::kCaptureThreshold,
      [p] { return p->mutable_capture_threshold(); }, c.capture_threshold_comparator);
  put_opt(
      c.paced_percent, codes::kPacedPercent, [p] { return p->mutable_paced_percent(); },
      c.paced_percent_comparator);
}

void put_implant(const CardiacImplantSummary& s, v1::CardiacImplantSummary* p) {
  p->set_battery_status(static_cast<v1::BatteryStatus>(s.battery_status));
  put_opt(
      s.battery_voltage_v, codes::kImplantBatteryVoltage,
      [p] { return p->mutable_battery_voltage(); }, s.battery_voltage_comparator);
  put_opt(
      s.longevity_months, codes::kImplantLongevity, [p] { return p->mutable_longevity(); },
      s.longevity_comparator);
  put_chamber(s.right_atrium, p->mutable_right_atrium());
  put_chamber(s.right_ventricle, p->mutable_right_ventricle());
  put_chamber(s.left_ventricle, p->mutable_left_ventricle());
  put_opt(
      s.at_af_burden_percent, codes::kAtAfBurden, [p] { return p->mutable_at_af_burden(); },
      s.at_af_burden_comparator);
  if (s.at_af_episodes) p->set_at_af_episodes(*s.at_af_episodes);
  if (s.vt_vf_episodes) p->set_vt_vf_episodes(*s.vt_vf_episodes);
  if (s.atp_therapies) p->set_atp_therapies(*s.atp_therapies);
  if (s.shocks_delivered) p->set_shocks_delivered(*s.shocks_delivered);
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
                   r.mutable_glucose()->set_meal(static_cast<v1::MealMarker>(g.meal));
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

void to_proto(const Reading& r, v1::Reading& p) {
  p.set_reading_uid(r.uid.value);
  p.set_gateway_id(r.gateway.value);
  auto* d = p.mutable_device();
  d->set_vendor(r.device.vendor);
  d->set_model(r.device.model);
  d->set_serial(r.device.serial.value);
  d->set_firmware(r.device.firmware);
  d->set_driver(r.device.driver);
  p.set_record_id(r.record_id);
  if (r.device_time) p.set_device_time_unix_s(r.device_time->time_since_epoch().count());
  p.set_hub_time_unix_ms(r.hub_time.time_since_epoch().count());
  if (r.clock_offset) p.set_clock_offset_s(r.clock_offset->count());
  auto* q = p.mutable_quality();
  q->set_clock_suspect(r.quality.clock_suspect);
  q->set_clock_missing(r.quality.clock_missing);
  q->set_irregular_pulse(r.quality.irregular_pulse);
  q->set_body_movement(r.quality.body_movement);
  q->set_device_error(r.quality.device_error);
  q->set_control_result(r.quality.control_result);
  q->set_device_time_precision(
      static_cast<v1::TimePrecision>(static_cast<int>(r.quality.device_time_precision)));
  put_measurement(r.measurement, p);
}

}  // namespace

std::string encode_batch_for_test(const GatewayId& gateway, std::uint64_t batch_id,
                                  const std::vector<Reading>& readings,
                                  std::uint32_t schema_version) {
  v1::ReadingBatch batch;
  batch.set_schema_version(schema_version);
  batch.set_gateway_id(gateway.value);
  batch.set_batch_id(batch_id);
  for (const auto& r : readings) to_proto(r, *batch.add_readings());
  return batch.SerializeAsString();
}

Result<AckForTest> decode_ack_for_test(std::string_view bytes) {
  v1::Ack ack;
  if (!ack.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return fail(Errc::kMalformed, "not a kotona.v1.Ack");
  }
  AckForTest out{GatewayId{ack.gateway_id()}, ack.batch_id(), {}};
  for (const auto& item : ack.readings()) {
    auto d = static_cast<int>(item.disposition()) - 1;
    out.readings.push_back({item.reading_uid(), static_cast<Disposition>(d < 0 ? 3 : d)});
  }
  return out;
}

std::string encode_status_for_test(const GatewayStatus& s) {
  v1::GatewayStatus p;
  p.set_gateway_id(s.gateway.value);
  p.set_sent_unix_ms(s.sent.time_since_epoch().count());
  p.set_software_version(s.software_version);
  p.set_outbox_depth(s.outbox_depth);
  p.set_oldest_unacked_unix_ms(s.oldest_unacked_unix_ms);
  for (const auto& d : s.devices) {
    auto* item = p.add_devices();
    item->set_serial(d.serial);
    item->set_driver(d.driver);
    item->set_port(d.port);
    item->set_state(d.state);
    item->set_last_seen_unix_ms(d.last_seen_unix_ms);
  }
  for (const auto& [name, value] : s.counters) (*p.mutable_counters())[name] = value;
  p.set_uptime_s(s.uptime_s);
  if (!s.storage_state.empty()) {
    p.mutable_storage()->set_state(s.storage_state);
    p.mutable_storage()->set_full_since_unix_ms(s.storage_full_since_unix_ms);
    p.mutable_storage()->set_available_bytes(s.storage_available_bytes);
    p.mutable_storage()->set_reserve_in_place(s.storage_reserve_in_place);
  }
  return p.SerializeAsString();
}

}  // namespace kotona::server::ingest
