#include "tests/support/hex.h"

#include "core/log.h"

namespace kotona::test {

namespace {
int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Result<std::vector<std::uint8_t>> parse_hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  int high = -1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      if (high >= 0) return fail(Errc::kMalformed, i, "space inside a byte");
      continue;
    }
    int v = nibble(c);
    if (v < 0) return fail(Errc::kMalformed, i, std::string("not a hex digit: '") + c + "'");
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  if (high >= 0) return fail(Errc::kMalformed, text.size(), "odd number of hex digits");
  return out;
}

std::vector<std::uint8_t> hex(std::string_view text) {
  auto bytes = parse_hex(text);
  KOTONA_CHECK(bytes.has_value());
  return std::move(bytes).value();
}

std::string to_hex(const std::vector<std::uint8_t>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i) out += ' ';
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

}  // namespace kotona::test
