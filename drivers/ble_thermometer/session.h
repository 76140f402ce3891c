// Session: the ble_thermometer DeviceSession (Health Thermometer Profile v1.0 §4). Subscribes
// to Temperature Measurement 0x2A1C (indicate; each value a reading) and Intermediate
// Temperature 0x2A1E (notify, optional; checked, never a reading); a wrong clock is set once
// the thermometer is quiet. Owned by the gateway; event loop only.
#pragma once

#include "drivers/gatt/measurement_session.h"

namespace kotona::drivers::ble_thermometer {

class Session final : public gatt::MeasurementSession {
 public:
  explicit Session(const SessionContext& context);

 private:
  void on_measurement(const GattValue& value, HubTime hub_time, Step& step) override;
};

}  // namespace kotona::drivers::ble_thermometer
