// Session: the ble_bp DeviceSession. After drivers/gatt's HealthSession has read the device
// identity and clock, it subscribes to Blood Pressure Measurement 0x2A35 (indicate) and
// Intermediate Cuff Pressure 0x2A36 (notify, optional), turns each measurement into a
// reading, and once the device has been quiet for kIdle (its stored measurements have
// drained) sets a wrong device clock. Owned by the gateway; called on its event loop only.
#pragma once

#include <chrono>

#include "drivers/gatt/health_session.h"

namespace kotona::drivers::ble_bp {

inline constexpr std::chrono::milliseconds kIdle{5'000};

class Session final : public gatt::HealthSession {
 public:
  explicit Session(const SessionContext& context);

 private:
  void on_ready(HubTime hub_time, Step& step) override;
  void on_value(const GattValue& value, HubTime hub_time, Step& step) override;
  void on_failed(const GattFailed& failed, HubTime hub_time, Step& step) override;
  void on_profile_timer(Step& step) override;

  HubTime last_hub_time_{};
  bool clock_checked_ = false;
};

}  // namespace kotona::drivers::ble_bp
