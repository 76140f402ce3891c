#include "drivers/ble_weight/session.h"

#include "drivers/ble_weight/parse.h"
#include "drivers/gatt/uuids.h"

namespace kotona::drivers::ble_weight {

Session::Session(const SessionContext& context)
    : MeasurementSession("ble_weight", context, {gatt::uuid::kWeightMeasurement}, {}) {}

void Session::on_measurement(const GattValue& value, HubTime hub_time, Step& step) {
  auto m = parse_measurement(value.bytes);
  if (!m) {
    // Delivered as far as the scale knows: the care team hears of it (invariant 13).
    step.refused_records.push_back(m.error());
    step.rejected.push_back(m.error());
    return;
  }
  Reading r = make_reading(m->weight, hub_time, m->user);
  r.device_time = m->time;
  step.readings.push_back(std::move(r));
}

}  // namespace kotona::drivers::ble_weight
