// LogRepeatLimiter: one failure repeated many times a second (a full disk, a database that is
// down) must not flood the log, yet a reader must see that it is still going on and how
// often. The first line of a key is written at once; identical ones (same key) within
// `window` are counted, not written; the next one after the window is written with
// " (repeated N times in the last S s)". Kept apart from core/log.* (other parts edit it).
// Not thread-safe: one per owner thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/log.h"

namespace kotona {

class LogRepeatLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LogRepeatLimiter(Clock::duration window = std::chrono::seconds(10)) : window_(window) {}

  // The line to write for `message` (identical lines share `key`) at `now`, or nullopt when
  // it is only counted. Pure apart from the limiter's own state: unit tested.
  std::optional<std::string> filter(std::string_view key, std::string_view message,
                                    Clock::time_point now);
  // filter() at Clock::now(), then log() what it lets through.
  void log(LogLevel level, std::string_view component, std::string_view key,
           std::string_view message);
  // Lines counted but not written since the last written one of `key`.
  std::uint64_t suppressed(std::string_view key) const;

 private:
  struct Seen {
    Clock::time_point written;
    std::uint64_t suppressed = 0;
  };
  static constexpr std::size_t kMaxKeys = 64;  // bounded: keys may carry ids
  Clock::duration window_;
  std::map<std::string, Seen, std::less<>> seen_;
};

}  // namespace kotona
