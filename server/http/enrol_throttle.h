// EnrolThrottle: refused hub enrolments (unknown, used or expired codes, CSRs the CA refuses)
// per source address (issue 20), so the public POST /api/v1/hub/enrol is no guessing oracle.
// LoginThrottle's FailureBackoff (free failures, then delays doubling per failure, forgotten
// after a quiet spell, bounded memory) keyed by the address alone, but a request inside its
// delay is answered at once with 429 and Retry-After instead of being held: nothing of it is
// looked at, not even the code.
// Pure (time passed in); io thread only.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "server/http/login_throttle.h"

namespace kotona::server::http {

// The enrolment route's defaults: an installer who mistypes gets 5 tries, then waits 10 s,
// 20 s, ... up to 10 min between tries; an address quiet for an hour starts afresh.
ThrottleConfig enrol_throttle_defaults();

class EnrolThrottle {
 public:
  using Time = FailureBackoff::Time;
  // Only `enabled`, `free_per_address`, `first_delay`, `max_delay` and `forget_after` apply.
  explicit EnrolThrottle(const ThrottleConfig& config = enrol_throttle_defaults());

  struct Wait {
    std::chrono::milliseconds left{0};  // > 0: answer 429, Retry-After this long
    bool first = false;                 // the first such answer since the address's latest refusal
    int failures = 0;                   // the address's refusals not yet forgotten
  };
  // Before an attempt from `address` is looked at.
  Wait check(const std::string& address, Time now);
  // An attempt from `address` was refused.
  void refused(const std::string& address, Time now);

 private:
  struct Latest {
    Time at{};
    bool told = false;
  };
  ThrottleConfig config_;
  FailureBackoff counts_;  // keyed by the address
  std::map<std::string, Latest> latest_;
};

}  // namespace kotona::server::http
