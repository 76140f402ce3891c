// Minimal logging: one line per event on stderr, "2026-11-22T10:15:00.123Z INFO gateway: text".
// Thread-safe (one write per line). Never log health data values at INFO or above in server
// request paths; device and transport events are fine. Every message is made line-safe here
// (control characters and invalid UTF-8 escaped, length capped), so no externally supplied
// text can forge or split a log line; quote such text with log_quote() so it also cannot
// pass for the surrounding message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kotona {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

void log(LogLevel level, std::string_view component, std::string_view message);
inline void log_info(std::string_view c, std::string_view m) { log(LogLevel::kInfo, c, m); }
inline void log_warn(std::string_view c, std::string_view m) { log(LogLevel::kWarn, c, m); }
inline void log_error(std::string_view c, std::string_view m) { log(LogLevel::kError, c, m); }
// Debug lines are printed only when KOTONA_DEBUG is set in the environment.
inline void log_debug(std::string_view c, std::string_view m) { log(LogLevel::kDebug, c, m); }

// A quoted field longer than this is cut (at a character boundary) with a marker.
inline constexpr std::size_t kLogFieldMaxBytes = 256;
// A whole message longer than this is cut with a marker.
inline constexpr std::size_t kLogMessageMaxBytes = 8192;

// `text` made safe for one log line: \n \r \t as such, other control characters (C0, DEL,
// C1, U+2028/U+2029) and bytes that are not valid UTF-8 as \xHH or \u{HHHH}; with
// `quote_chars` also \ and ' are escaped (\\, \'). Longer than `max_bytes` (input bytes):
// cut at a character boundary and "...[+N bytes]" appended. Pure.
std::string escape_for_log(std::string_view text, bool quote_chars, std::size_t max_bytes);
// Externally supplied text (ids, topics, peer messages) for a log message: escaped with
// quote characters and wrapped in single quotes, at most kLogFieldMaxBytes of it.
inline std::string log_quote(std::string_view text) {
  return "'" + escape_for_log(text, true, kLogFieldMaxBytes) + "'";
}

// Broken invariant: log and abort (systemd restarts the process; the outbox keeps the data).
[[noreturn]] void check_failed(const char* expr, const char* file, int line);

}  // namespace kotona

#define KOTONA_CHECK(cond) ((cond) ? (void)0 : ::kotona::check_failed(#cond, __FILE__, __LINE__))
