// Session: the template's DeviceSession. Subscribes to 0xFFF1; each value is one reading.
// gatt::MeasurementSession does identity (DIS), clock (Current Time) and subscriptions; a
// stored-record profile derives gatt::HealthSession instead (drivers/ble_glucose). Owned by the
// gateway; event loop only.
#pragma once

#include "drivers/gatt/measurement_session.h"

namespace kotona::drivers::acme_thermo {

class Session final : public gatt::MeasurementSession {
 public:
  explicit Session(const SessionContext& context);

 private:
  void on_measurement(const GattValue& value, HubTime hub_time, Step& step) override;
};

}  // namespace kotona::drivers::acme_thermo
