#include "server/http/login_throttle.h"

#include <algorithm>

namespace kotona::server::http {

namespace {

constexpr std::size_t kMaxKeys = 100000;  // memory bound against many made-up names

std::string address_key(const std::string& address) { return "addr:" + address; }
std::string account_key(const std::string& account) { return "user:" + account; }

}  // namespace

const FailureBackoff::Key* FailureBackoff::live(const std::string& key, Time now) const {
  auto it = keys_.find(key);
  if (it == keys_.end() || now - it->second.last > config_.forget_after) return nullptr;
  return &it->second;
}

std::chrono::milliseconds FailureBackoff::delay(const std::string& key, int free, Time now) const {
  const Key* k = live(key, now);
  if (!k) return {};
  // The attempt after `free` failures waits first_delay, each further one twice as long.
  const int over = k->failures - free + 1;
  if (over <= 0) return {};
  auto delay = config_.first_delay;
  for (int i = 1; i < over && delay < config_.max_delay; ++i) delay *= 2;
  return std::min(delay, config_.max_delay);
}

int FailureBackoff::failures(const std::string& key, Time now) const {
  const Key* k = live(key, now);
  return k ? k->failures : 0;
}

void FailureBackoff::failed(const std::string& key, Time now) {
  if (keys_.size() >= kMaxKeys) {
    std::erase_if(keys_, [&](const auto& k) { return now - k.second.last > config_.forget_after; });
    if (keys_.size() >= kMaxKeys) keys_.clear();  // only under a vast attack: start afresh
  }
  auto& k = keys_[key];
  if (now - k.last > config_.forget_after) k.failures = 0;
  ++k.failures;
  k.last = now;
}

std::chrono::milliseconds LoginThrottle::delay_for(const std::string& address,
                                                   const std::string& account, Time now) {
  if (!config_.enabled) return {};
  return std::max(backoff_.delay(address_key(address), config_.free_per_address, now),
                  backoff_.delay(account_key(account), config_.free_per_account, now));
}

int LoginThrottle::failures_of(const std::string& address, const std::string& account, Time now) {
  return std::max(backoff_.failures(address_key(address), now),
                  backoff_.failures(account_key(account), now));
}

bool LoginThrottle::failed(const std::string& address, const std::string& account, Time now) {
  backoff_.failed(address_key(address), now);
  backoff_.failed(account_key(account), now);
  // An episode ends after a whole window without failures; the next burst is a new one.
  if (attacking_ && now - last_failure_ > config_.attack_window) attacking_ = false;
  last_failure_ = now;
  if (attacking_) {
    ++episode_.failures;
    if (episode_.addresses.size() < 1000) episode_.addresses.insert(address);
    return false;
  }
  recent_.push_back(now);
  while (recent_.size() > static_cast<std::size_t>(std::max(1, config_.attack_failures))) {
    recent_.pop_front();
  }
  if (static_cast<int>(recent_.size()) < config_.attack_failures ||
      now - recent_.front() > config_.attack_window) {
    return false;
  }
  attacking_ = true;
  episode_ = Episode{recent_.front(), config_.attack_failures, {address}};
  recent_.clear();
  return true;
}

void LoginThrottle::succeeded(const std::string& account) { backoff_.forget(account_key(account)); }

bool LoginThrottle::admit(const std::string& address) {
  auto& n = in_flight_[address];
  if (n >= config_.in_flight_per_address) return false;
  ++n;
  return true;
}

void LoginThrottle::release(const std::string& address) {
  auto it = in_flight_.find(address);
  if (it == in_flight_.end()) return;
  if (--it->second == 0) in_flight_.erase(it);
}

}  // namespace kotona::server::http
