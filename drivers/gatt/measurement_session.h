// MeasurementSession: the HealthSession of profiles whose device pushes each measurement
// (Weight Scale, Health Thermometer, Pulse Oximeter): subscribe to the profile's
// characteristics, hand each value to the driver, and once the device has been quiet for
// kMeasurementIdle (its stored measurements drained) set a wrong clock. Event loop only.
#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <string_view>
#include <vector>

#include "drivers/gatt/health_session.h"

namespace kotona::drivers::gatt {

inline constexpr std::chrono::milliseconds kMeasurementIdle{5'000};

class MeasurementSession : public HealthSession {
 protected:
  // `subscriptions` in order; those in `optional` may be absent (their failure is quiet).
  MeasurementSession(std::string_view driver, const SessionContext& context,
                     std::vector<std::uint16_t> subscriptions, std::set<std::uint16_t> optional);
  // A value of one of the subscribed characteristics.
  virtual void on_measurement(const GattValue& value, HubTime hub_time, Step& step) = 0;

 private:
  void on_ready(HubTime hub_time, Step& step) final;
  void on_value(const GattValue& value, HubTime hub_time, Step& step) final;
  void on_failed(const GattFailed& failed, HubTime hub_time, Step& step) final;
  void on_profile_timer(Step& step) final;

  std::vector<std::uint16_t> subscriptions_;
  std::set<std::uint16_t> optional_;
  HubTime last_hub_time_{};
  bool idle_ = false;
};

}  // namespace kotona::drivers::gatt
