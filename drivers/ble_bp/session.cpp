#include "drivers/ble_bp/session.h"

#include "drivers/ble_bp/parse.h"
#include "drivers/gatt/uuids.h"

namespace kotona::drivers::ble_bp {

namespace gu = gatt::uuid;

Session::Session(const SessionContext& context) : HealthSession("ble_bp", context) {}

void Session::on_ready(HubTime hub_time, Step& step) {
  last_hub_time_ = hub_time;
  step.commands.emplace_back(GattSubscribe{gu::kBloodPressureMeasurement});
  step.commands.emplace_back(GattSubscribe{gu::kIntermediateCuffPressure});
  step.timer = kIdle;
}

void Session::on_value(const GattValue& value, HubTime hub_time, Step& step) {
  last_hub_time_ = hub_time;
  if (!clock_checked_) step.timer = kIdle;  // quiet for kIdle after the last value
  if (value.characteristic_uuid16 == gu::kIntermediateCuffPressure) {
    // Live cuff pressure during inflation: checked, never a reading.
    if (auto cuff = parse_intermediate_cuff_pressure(value.bytes); !cuff) {
      step.rejected.push_back(cuff.error());
    }
    return;
  }
  if (value.characteristic_uuid16 != gu::kBloodPressureMeasurement) {
    step.rejected.push_back(
        Error{Errc::kUnsupported, 0,
              "ble_bp: unexpected characteristic " + std::to_string(value.characteristic_uuid16)});
    return;
  }
  auto m = parse_measurement(value.bytes);
  if (!m) {
    // An indication the device counts as delivered: its value lives on only in the cuff, so
    // the care team hears of it (invariant 13; gateway heartbeat -> device.record_refused).
    step.refused_records.push_back(m.error());
    step.rejected.push_back(m.error());
    return;
  }
  Reading r = make_reading(m->pressure, hub_time, m->user);
  r.device_time = m->time;  // identity: serial (+ user) and the device's time stamp
  r.quality = m->quality;
  step.readings.push_back(std::move(r));
}

void Session::on_failed(const GattFailed& failed, HubTime hub_time, Step& step) {
  if (failed.characteristic_uuid16 == gu::kIntermediateCuffPressure) return;  // optional
  HealthSession::on_failed(failed, hub_time, step);
}

void Session::on_profile_timer(Step& step) {
  // The device has been quiet for kIdle: its stored measurements are in.
  clock_checked_ = true;
  set_clock_if_wrong(last_hub_time_ + kIdle, step);
}

}  // namespace kotona::drivers::ble_bp
