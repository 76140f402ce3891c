#include "drivers/ble_thermometer/session.h"

#include "drivers/ble_thermometer/parse.h"
#include "drivers/gatt/uuids.h"

namespace kotona::drivers::ble_thermometer {

namespace gu = gatt::uuid;

Session::Session(const SessionContext& context)
    : MeasurementSession("ble_thermometer", context,
                         {gu::kTemperatureMeasurement, gu::kIntermediateTemperature},
                         {gu::kIntermediateTemperature}) {}

void Session::on_measurement(const GattValue& value, HubTime hub_time, Step& step) {
  auto m = parse_measurement(value.bytes);
  if (!m) {
    step.rejected.push_back(m.error());
    return;
  }
  if (value.characteristic_uuid16 == gu::kIntermediateTemperature) return;  // live, not final
  Reading r = make_reading(m->temperature, hub_time);
  r.device_time = m->time;
  step.readings.push_back(std::move(r));
}

}  // namespace kotona::drivers::ble_thermometer
