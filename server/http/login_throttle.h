// LoginThrottle: growing delays for failed sign-ins per source address and per account name
// (known or not: both cost and answer the same), instead of a lock the real user cannot pass
// (issue 17, OWASP ASVS 2.2.1). A delay is served BEFORE the password is checked, so a
// guess costs the attacker time and the server no hashing. It also notices a sustained
// attack (many failures in a window) once per episode. FailureBackoff, its per-key count and
// delay, also serves EnrolThrottle. Pure (time passed in); io thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace kotona::server::http {

struct ThrottleConfig {
  bool enabled = true;
  int free_per_account = 3;   // failures before an account's next logins are delayed
  int free_per_address = 10;  // the same for a source address
  std::chrono::milliseconds first_delay{500};  // then doubling per failure...
  std::chrono::milliseconds max_delay{15000};  // ...up to this (`login_max_delay_ms`)
  std::chrono::seconds forget_after{900};      // a key quiet this long starts afresh
  std::size_t in_flight_per_address = 16;      // logins held or checked at once; more: 503
  int attack_failures = 100;                   // this many failures...
  std::chrono::seconds attack_window{300};     // ...within this -> security.login_attack
};

// Failures counted per key (a source address, an account name): after a key's `free` failures
// the next attempt waits first_delay, each further one twice as long, up to max_delay; a key
// quiet for forget_after starts afresh. At most 100000 keys (the forgotten ones dropped first).
class FailureBackoff {
 public:
  using Time = std::chrono::steady_clock::time_point;
  explicit FailureBackoff(const ThrottleConfig& config) : config_(config) {}
  // The wait before the next attempt on `key` (0 within its free failures or once forgotten).
  std::chrono::milliseconds delay(const std::string& key, int free, Time now) const;
  // `key`'s failures not yet forgotten.
  int failures(const std::string& key, Time now) const;
  void failed(const std::string& key, Time now);
  void forget(const std::string& key) { keys_.erase(key); }

 private:
  struct Key {
    int failures = 0;
    Time last{};
  };
  const Key* live(const std::string& key, Time now) const;  // null: unknown or forgotten
  ThrottleConfig config_;
  std::map<std::string, Key> keys_;
};

class LoginThrottle {
 public:
  using Time = FailureBackoff::Time;
  explicit LoginThrottle(ThrottleConfig config = {}) : config_(config), backoff_(config) {}

  // The wait before checking a login for `account` from `address`: the larger of the two
  // keys' delays (0 while both are within their free failures, or when disabled).
  std::chrono::milliseconds delay_for(const std::string& address, const std::string& account,
                                      Time now);
  // Records a failure on both keys. Returns true when this failure starts an attack episode
  // (attack_failures within attack_window after a quiet window): raise the alert once.
  bool failed(const std::string& address, const std::string& account, Time now);
  // A right password clears the account's key (not the address's: an attacker with an
  // account of their own must not wipe their address's count by signing in between guesses).
  void succeeded(const std::string& account);
  // False when `address` already has in_flight_per_address logins in progress.
  bool admit(const std::string& address);
  void release(const std::string& address);

  struct Episode {
    Time started{};
    int failures = 0;
    std::set<std::string> addresses;
  };
  // The current attack episode's figures (failures and addresses since it started).
  const Episode& episode() const { return episode_; }
  // The larger failure count of the two keys (0 once forgotten); for logs and tests.
  int failures_of(const std::string& address, const std::string& account, Time now);

 private:
  ThrottleConfig config_;
  FailureBackoff backoff_;  // keys "addr:1.2.3.4" / "user:name"
  std::map<std::string, std::size_t> in_flight_;
  std::deque<Time> recent_;  // the last attack_failures failure times
  Time last_failure_{};
  bool attacking_ = false;
  Episode episode_;
};

}  // namespace kotona::server::http
