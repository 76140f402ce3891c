// Session: the Heart Rate Profile's DeviceSession. Subscribes to 0x2A37; each value with the
// sensor on the skin is one heart_rate reading (a kind-table row, core/kinds.h). The device has
// no clock, so the hub names each reading by its receive time. gatt::MeasurementSession does
// identity (DIS) and subscriptions. Owned by the gateway; event loop only.
#pragma once

#include "drivers/gatt/measurement_session.h"

namespace kotona::drivers::ble_heart_rate {

class Session final : public gatt::MeasurementSession {
 public:
  explicit Session(const SessionContext& context);

 private:
  void on_measurement(const GattValue& value, HubTime hub_time, Step& step) override;
};

}  // namespace kotona::drivers::ble_heart_rate
