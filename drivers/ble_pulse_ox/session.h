// Session: the ble_pulse_ox DeviceSession (Pulse Oximeter Profile v1.0.1 §4). Subscribes to
// spot-check 0x2A5E (indicate; each one a reading) and continuous 0x2A5F (notify, optional;
// one reading per kContinuousPeriod of hub time, the first valid value of each period, so a
// 1 Hz stream does not flood the outbox). A wrong clock is set once the device is quiet.
// Owned by the gateway; event loop only.
#pragma once

#include <chrono>
#include <optional>

#include "drivers/gatt/measurement_session.h"

namespace kotona::drivers::ble_pulse_ox {

inline constexpr std::chrono::seconds kContinuousPeriod{60};

class Session final : public gatt::MeasurementSession {
 public:
  explicit Session(const SessionContext& context);

 private:
  void on_measurement(const GattValue& value, HubTime hub_time, Step& step) override;

  std::optional<HubTime> last_continuous_;
};

}  // namespace kotona::drivers::ble_pulse_ox
