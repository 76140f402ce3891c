#include "core/log_repeat.h"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using kotona::LogRepeatLimiter;

TEST_CASE("log repeat limiter: first line at once, repeats counted, then one line with the count") {
  LogRepeatLimiter limiter(10s);
  const LogRepeatLimiter::Clock::time_point t0{};
  CHECK(limiter.filter("disk", "disk full", t0) == "disk full");
  for (int i = 1; i <= 35; ++i) CHECK_FALSE(limiter.filter("disk", "disk full", t0 + i * 100ms));
  CHECK(limiter.suppressed("disk") == 35);
  CHECK(limiter.filter("disk", "disk full", t0 + 11s) ==
        "disk full (repeated 35 times in the last 11 s)");
  CHECK(limiter.suppressed("disk") == 0);
  // Nothing suppressed in the next window: no count appended.
  CHECK(limiter.filter("disk", "disk full", t0 + 22s) == "disk full");
}

TEST_CASE("log repeat limiter: different keys are independent") {
  LogRepeatLimiter limiter(10s);
  const LogRepeatLimiter::Clock::time_point t0{};
  CHECK(limiter.filter("a", "A", t0));
  CHECK(limiter.filter("b", "B", t0 + 1s));
  CHECK_FALSE(limiter.filter("a", "A", t0 + 2s));
  CHECK(limiter.suppressed("b") == 0);
  CHECK(limiter.suppressed("a") == 1);
}

TEST_CASE("log repeat limiter: the key table stays bounded") {
  LogRepeatLimiter limiter(10s);
  const LogRepeatLimiter::Clock::time_point t0{};
  for (int i = 0; i < 1000; ++i) CHECK(limiter.filter(std::to_string(i), "x", t0 + i * 1ms));
  // Key 0 was forgotten long ago: written again rather than counted.
  CHECK(limiter.filter("0", "x", t0 + 2s));
  CHECK_FALSE(limiter.filter("999", "x", t0 + 2s));
}
