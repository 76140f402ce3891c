// Session: the ble_weight DeviceSession (Weight Scale Profile v1.0 §4). Subscribes to Weight
// Measurement 0x2A9D (indicate); each value is a reading (user id N -> serial "<serial>.uN");
// a wrong clock is set once the scale is quiet. Owned by the gateway; event loop only.
#pragma once

#include "drivers/gatt/measurement_session.h"

namespace kotona::drivers::ble_weight {

class Session final : public gatt::MeasurementSession {
 public:
  explicit Session(const SessionContext& context);

 private:
  void on_measurement(const GattValue& value, HubTime hub_time, Step& step) override;
};

}  // namespace kotona::drivers::ble_weight
