#include "drivers/gatt/measurement_session.h"

#include <algorithm>
#include <string>
#include <utility>

namespace kotona::drivers::gatt {

MeasurementSession::MeasurementSession(std::string_view driver, const SessionContext& context,
                                       std::vector<std::uint16_t> subscriptions,
                                       std::set<std::uint16_t> optional)
    : HealthSession(driver, context),
      subscriptions_(std::move(subscriptions)),
      optional_(std::move(optional)) {}

void MeasurementSession::on_ready(HubTime hub_time, Step& step) {
  last_hub_time_ = hub_time;
  for (std::uint16_t uuid : subscriptions_) step.commands.emplace_back(GattSubscribe{uuid});
  step.timer = kMeasurementIdle;
}

void MeasurementSession::on_value(const GattValue& value, HubTime hub_time, Step& step) {
  last_hub_time_ = hub_time;
  if (!idle_) step.timer = kMeasurementIdle;  // quiet for the idle time after the last value
  if (std::find(subscriptions_.begin(), subscriptions_.end(), value.characteristic_uuid16) ==
      subscriptions_.end()) {
    step.rejected.push_back(Error{Errc::kUnsupported, 0,
                                  std::string(driver()) + ": unexpected characteristic " +
                                      std::to_string(value.characteristic_uuid16)});
    return;
  }
  on_measurement(value, hub_time, step);
}

void MeasurementSession::on_failed(const GattFailed& failed, HubTime hub_time, Step& step) {
  if (optional_.count(failed.characteristic_uuid16) != 0) return;
  HealthSession::on_failed(failed, hub_time, step);
}

void MeasurementSession::on_profile_timer(Step& step) {
  idle_ = true;
  set_clock_if_wrong(last_hub_time_ + kMeasurementIdle, step);
}

}  // namespace kotona::drivers::gatt
