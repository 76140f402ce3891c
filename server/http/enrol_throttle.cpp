#include "server/http/enrol_throttle.h"

namespace kotona::server::http {

namespace {

constexpr std::size_t kMaxAddresses = 100000;  // as FailureBackoff's bound

}  // namespace

ThrottleConfig enrol_throttle_defaults() {
  ThrottleConfig c;
  c.free_per_address = 5;
  c.first_delay = std::chrono::seconds(10);
  c.max_delay = std::chrono::minutes(10);
  c.forget_after = std::chrono::hours(1);
  return c;
}

EnrolThrottle::EnrolThrottle(const ThrottleConfig& config) : config_(config), counts_(config) {}

EnrolThrottle::Wait EnrolThrottle::check(const std::string& address, Time now) {
  if (!config_.enabled) return {};
  const auto delay = counts_.delay(address, config_.free_per_address, now);
  auto it = latest_.find(address);
  if (delay.count() <= 0 || it == latest_.end()) return {};
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(it->second.at + delay - now);
  if (left.count() <= 0) return {};
  Wait wait{left, !it->second.told, counts_.failures(address, now)};
  it->second.told = true;
  return wait;
}

void EnrolThrottle::refused(const std::string& address, Time now) {
  if (!config_.enabled) return;
  if (latest_.size() >= kMaxAddresses) {
    std::erase_if(latest_, [&](const auto& a) { return now - a.second.at > config_.forget_after; });
    if (latest_.size() >= kMaxAddresses) latest_.clear();  // only under a vast attack
  }
  counts_.failed(address, now);
  latest_[address] = {now, false};
}

}  // namespace kotona::server::http
