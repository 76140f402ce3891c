#include "core/log.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

namespace kotona {

namespace {
const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}

std::string timestamp() {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

// Length of the well-formed UTF-8 sequence starting at s[i] (Unicode 15, table 3-7: no
// overlong forms, no surrogates, nothing above U+10FFFF); 0 when it is not one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size() || byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return n;
}

constexpr char kHex[] = "0123456789abcdef";

void append_hex_byte(std::string& out, unsigned char c) {
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

// One character (ASCII byte or valid multi-byte sequence) of `s` at `i`, escaped as needed.
void append_char(std::string& out, std::string_view s, std::size_t i, std::size_t n,
                 bool quote_chars) {
  auto c = static_cast<unsigned char>(s[i]);
  if (n == 1) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      append_hex_byte(out, c);
    } else if (quote_chars && (c == '\\' || c == '\'')) {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(c);
    }
    return;
  }
  auto next = static_cast<unsigned char>(s[i + 1]);
  bool c1 = c == 0xC2 && next <= 0x9F;           // U+0080..U+009F
  bool separator = c == 0xE2 && next == 0x80 &&  // U+2028, U+2029
                   (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xA8;
  if (c1) {
    out += "\\u{00";
    out += kHex[next >> 4];
    out += kHex[next & 0xF];
    out += '}';
  } else if (separator) {
    out += (static_cast<unsigned char>(s[i + 2]) == 0xA8) ? "\\u{2028}" : "\\u{2029}";
  } else {
    out.append(s.substr(i, n));
  }
}
}  // namespace

std::string escape_for_log(std::string_view text, bool quote_chars, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 8);
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t n = utf8_length(text, i);
    if (i + std::max<std::size_t>(n, 1) > max_bytes) break;
    if (n == 0) {
      append_hex_byte(out, static_cast<unsigned char>(text[i]));
      ++i;
      continue;
    }
    append_char(out, text, i, n, quote_chars);
    i += n;
  }
  if (i < text.size()) out += "...[+" + std::to_string(text.size() - i) + " bytes]";
  return out;
}

void log(LogLevel level, std::string_view component, std::string_view message) {
  static const bool debug = std::getenv("KOTONA_DEBUG") != nullptr;
  if (level == LogLevel::kDebug && !debug) return;
  std::string line = timestamp();
  line += ' ';
  line += level_name(level);
  line += ' ';
  line += component;
  line += ": ";
  line += escape_for_log(message, /*quote_chars=*/false, kLogMessageMaxBytes);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

void check_failed(const char* expr, const char* file, int line) {
  log(LogLevel::kError, "check",
      std::string("KOTONA_CHECK(") + expr + ") failed at " + file + ":" + std::to_string(line));
  std::abort();
}

}  // namespace kotona
