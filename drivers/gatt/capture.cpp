#include "drivers/gatt/capture.h"

#include <charconv>
#include <string>

namespace kotona::drivers::gatt {

namespace {

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

Unexpected bad(std::size_t at, std::size_t line, const std::string& what) {
  return fail(Errc::kMalformed, at, "line " + std::to_string(line) + ": " + what);
}

// "53 4E 31" or "534E31": pairs of hex digits, spaces between pairs allowed.
Result<Bytes> hex_bytes(std::string_view s, std::size_t base, std::size_t line) {
  Bytes out;
  int high = -1;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == ' ' || c == '\t') {
      if (high >= 0) return bad(base + i, line, "hex pair split by a space");
      continue;
    }
    const int v = nibble(c);
    if (v < 0) return bad(base + i, line, "not a hex digit");
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  if (high >= 0) return bad(base + s.size(), line, "odd number of hex digits");
  return out;
}

Result<void> parse_line(std::string_view text, std::size_t base, std::size_t line,
                        Capture& out) {
  if (text == "disconnect") {
    out.events.push_back(CaptureEvent{line, Disconnected{}});
    return {};
  }
  if (text.substr(0, 7) == "cursor ") {
    const std::string_view rest = trim(text.substr(7));
    const std::size_t space = rest.find(' ');
    unsigned seq = 0;
    const std::string_view number = space == std::string_view::npos ? "" : rest.substr(space + 1);
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), seq);
    if (space == std::string_view::npos || ec != std::errc() ||
        end != number.data() + number.size() || seq > 0xFFFF) {
      return bad(base, line, "cursor needs SERIAL SEQUENCE (0..65535)");
    }
    out.cursor = RecordCursor{DeviceSerial{std::string(rest.substr(0, space))},
                              static_cast<std::uint16_t>(seq)};
    return {};
  }
  if (text.size() < 5 || text[4] != ':') return bad(base, line, "expected XXXX: HEX");
  unsigned uuid = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const int v = nibble(text[i]);
    if (v < 0) return bad(base + i, line, "UUID is not 4 hex digits");
    uuid = uuid * 16 + static_cast<unsigned>(v);
  }
  const std::string_view value = trim(text.substr(5));
  const auto uuid16 = static_cast<std::uint16_t>(uuid);
  if (value.substr(0, 4) == "fail") {
    out.events.push_back(
        CaptureEvent{line, GattFailed{uuid16, std::string(trim(value.substr(4)))}});
    return {};
  }
  auto bytes = hex_bytes(value, base + static_cast<std::size_t>(value.data() - text.data()), line);
  if (!bytes) return fail(bytes.error());
  out.events.push_back(CaptureEvent{line, GattValue{uuid16, std::move(bytes).value()}});
  return {};
}

}  // namespace

Result<Capture> parse_capture(std::string_view text) {
  Capture out;
  std::size_t start = 0, line = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    ++line;
    std::string_view content = text.substr(start, end - start);
    content = content.substr(0, content.find('#'));
    const std::size_t lead = content.find_first_not_of(" \t");
    content = trim(content);
    if (!content.empty()) {
      if (auto r = parse_line(content, start + lead, line, out); !r) return fail(r.error());
    }
    if (end == text.size()) break;
    start = end + 1;
  }
  return out;
}

bool is_capture(std::string_view text) {
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    std::string_view content = trim(text.substr(start, end - start));
    content = trim(content.substr(0, content.find('#')));
    if (!content.empty()) {
      return content.substr(0, 6) == "cursor" || content.substr(0, 10) == "disconnect" ||
             (content.size() >= 5 && content[4] == ':');
    }
    start = end + 1;
  }
  return false;
}

}  // namespace kotona::drivers::gatt
