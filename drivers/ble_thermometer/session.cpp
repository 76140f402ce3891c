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
  const bool intermediate = value.characteristic_uuid16 == gu::kIntermediateTemperature;
  auto m = parse_measurement(value.bytes);
  if (!m) {
    // A final measurement the thermometer counts as delivered: the care team hears of it
    // (invariant 13). A live intermediate value is no record: counted only.
    if (!intermediate) step.refused_records.push_back(m.error());
    step.rejected.push_back(m.error());
    return;
  }
  if (intermediate) return;  // live, not final
  Reading r = make_reading(m->temperature, hub_time);
  r.device_time = m->time;
  step.readings.push_back(std::move(r));
}

}  // namespace kotona::drivers::ble_thermometer
