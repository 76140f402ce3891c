#include "core/codes.h"
#include "core/kinds.h"
#include "core/overloaded.h"
#include "proto/codec/messages.h"
#include "proto/codec/wire.h"

namespace kotona::wire {

namespace {

using codes::Code;
using namespace detail;

// Comparator and v1::Comparator share their numbering (readings.proto), checked here.
static_assert(static_cast<int>(Comparator::kNone) == v1::COMPARATOR_UNSPECIFIED &&
              static_cast<int>(Comparator::kBelowRange) == v1::COMPARATOR_BELOW_RANGE &&
              static_cast<int>(Comparator::kAboveRange) == v1::COMPARATOR_ABOVE_RANGE);

void put(v1::Quantity* q, double value, const Code& code,
         Comparator comparator = Comparator::kNone) {
  q->set_value(value);
  q->set_comparator(static_cast<v1::Comparator>(comparator));
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

// A kind with no typed message (a kind-table row added after v1) travels as `generic`: its
// name, kind code and values, each with the table's code and unit (docs/contracts.md).
void put_generic(const Measurement& m, v1::GenericMeasurement* g) {
  const KindRow& row = kind_of(m);
  g->set_kind(std::string(row.name));
  g->set_kind_mdc(row.code.mdc);
  for (const auto& v : component_values(m)) {
    const KindComponent* c = find_component(row, v.key);
    if (c == nullptr) continue;  // component_values only yields the row's keys
    auto* part = g->add_components();
    part->set_key(std::string(c->key));
    put(part->mutable_quantity(), v.value, c->code, v.comparator);
  }
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
                 [&](const GenericMeasurement&) { put_generic(m, r.mutable_generic()); },
             },
             m);
}

}  // namespace

void detail::to_proto(const Reading& in, v1::Reading& r) {
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
  if (in.provenance.source == EntrySource::kManual) {
    // A device reading sends no provenance: its bytes stay those of a hub before issue 20.
    auto* pv = r.mutable_provenance();
    pv->set_source(v1::ENTRY_SOURCE_MANUAL);
    pv->set_enterer(static_cast<v1::Enterer>(static_cast<int>(in.provenance.enterer)));
    pv->set_enterer_name(in.provenance.enterer_name);
  }
  put_measurement(in.measurement, r);
}

std::string encode_reading(const Reading& reading) {
  v1::Reading r;
  detail::to_proto(reading, r);
  return r.SerializeAsString();
}

}  // namespace kotona::wire
