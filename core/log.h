// Minimal logging: one line per event on stderr, "2026-11-22T10:15:00.123Z INFO gateway: text".
// Thread-safe (one write per line). Never log health data values at INFO or above in server
// request paths; device and transport events are fine.
#pragma once

#include <string_view>

namespace kotona {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

void log(LogLevel level, std::string_view component, std::string_view message);
inline void log_info(std::string_view c, std::string_view m) { log(LogLevel::kInfo, c, m); }
inline void log_warn(std::string_view c, std::string_view m) { log(LogLevel::kWarn, c, m); }
inline void log_error(std::string_view c, std::string_view m) { log(LogLevel::kError, c, m); }
// Debug lines are printed only when KOTONA_DEBUG is set in the environment.
inline void log_debug(std::string_view c, std::string_view m) { log(LogLevel::kDebug, c, m); }

// Broken invariant: log and abort (systemd restarts the process; the outbox keeps the data).
[[noreturn]] void check_failed(const char* expr, const char* file, int line);

}  // namespace kotona

#define KOTONA_CHECK(cond) \
  ((cond) ? (void)0 : ::kotona::check_failed(#cond, __FILE__, __LINE__))
