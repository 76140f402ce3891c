#include "drivers/ble_pulse_ox/session.h"

#include "drivers/ble_pulse_ox/parse.h"
#include "drivers/gatt/uuids.h"

namespace kotona::drivers::ble_pulse_ox {

namespace gu = gatt::uuid;

Session::Session(const SessionContext& context)
    : MeasurementSession("ble_pulse_ox", context,
                         {gu::kPlxSpotCheckMeasurement, gu::kPlxContinuousMeasurement},
                         {gu::kPlxSpotCheckMeasurement, gu::kPlxContinuousMeasurement}) {}

void Session::on_measurement(const GattValue& value, HubTime hub_time, Step& step) {
  const bool continuous = value.characteristic_uuid16 == gu::kPlxContinuousMeasurement;
  auto m = continuous ? parse_continuous(value.bytes) : parse_spot_check(value.bytes);
  if (!m) {
    // A spot-check is a record the oximeter counts as delivered: the care team hears of it
    // (invariant 13). A continuous value is one only when it would have been kept (one per
    // kContinuousPeriod); the next good one is kept in its place.
    const bool would_keep =
        !continuous || !last_continuous_ || hub_time - *last_continuous_ >= kContinuousPeriod;
    if (would_keep) step.refused_records.push_back(m.error());
    step.rejected.push_back(m.error());
    return;
  }
  if (continuous) {
    if (last_continuous_ && hub_time - *last_continuous_ < kContinuousPeriod) return;
    last_continuous_ = hub_time;
  }
  Reading r = make_reading(m->spo2, hub_time);
  r.device_time = m->time;  // spot-check only; continuous values are identified by hub time
  r.quality = m->quality;
  step.readings.push_back(std::move(r));
}

}  // namespace kotona::drivers::ble_pulse_ox
