#include "core/log_repeat.h"

#include <algorithm>

namespace kotona {

std::optional<std::string> LogRepeatLimiter::filter(std::string_view key, std::string_view message,
                                                    Clock::time_point now) {
  auto it = seen_.find(key);
  if (it == seen_.end()) {
    if (seen_.size() >= kMaxKeys) {
      // Forget the key written longest ago: at worst one extra line for it later.
      auto oldest = std::min_element(seen_.begin(), seen_.end(), [](const auto& a, const auto& b) {
        return a.second.written < b.second.written;
      });
      seen_.erase(oldest);
    }
    seen_.emplace(std::string(key), Seen{now, 0});
    return std::string(message);
  }
  Seen& s = it->second;
  if (now - s.written < window_) {
    ++s.suppressed;
    return std::nullopt;
  }
  std::string line(message);
  if (s.suppressed > 0) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now - s.written).count();
    line += " (repeated " + std::to_string(s.suppressed) + " times in the last " +
            std::to_string(seconds) + " s)";
  }
  s = Seen{now, 0};
  return line;
}

void LogRepeatLimiter::log(LogLevel level, std::string_view component, std::string_view key,
                           std::string_view message) {
  if (auto line = filter(key, message, Clock::now())) kotona::log(level, component, *line);
}

std::uint64_t LogRepeatLimiter::suppressed(std::string_view key) const {
  auto it = seen_.find(key);
  return it == seen_.end() ? 0 : it->second.suppressed;
}

}  // namespace kotona
