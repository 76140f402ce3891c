// Test-only helpers for drivers/astm* tests and fuzz targets: build E1381 frames byte by byte,
// and read hex text (testdata/*.hex). Not an encoder for production use (firmware-sim/ has
// the spec-written one). Local because tools/check_layering.sh forbids tests/ includes under
// drivers/. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "drivers/astm/frame.h"

namespace kotona::drivers::astm::test {

inline std::vector<std::uint8_t> make_frame(int number, std::string_view text, bool is_final) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() + kFrameOverhead);
  out.push_back(kStx);
  out.push_back(static_cast<std::uint8_t>('0' + number));
  for (char c : text) out.push_back(static_cast<std::uint8_t>(c));
  out.push_back(is_final ? kEtx : kEtb);
  const std::uint8_t sum = frame_checksum(std::span(out).subspan(1));
  const char* digits = "0123456789ABCDEF";
  out.push_back(static_cast<std::uint8_t>(digits[sum >> 4]));
  out.push_back(static_cast<std::uint8_t>(digits[sum & 15]));
  out.push_back(kCr);
  out.push_back(kLf);
  return out;
}

inline std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return std::vector<std::uint8_t>(text.begin(), text.end());
}

// "05 02 31 ..." -> bytes; whitespace between bytes ignored. nullopt on anything else.
inline std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view text) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<std::uint8_t> out;
  int high = -1;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      if (high >= 0) return std::nullopt;
      continue;
    }
    const int v = nibble(c);
    if (v < 0) return std::nullopt;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  if (high >= 0) return std::nullopt;
  return out;
}

// For test literals: REQUIRES valid hex; returns no bytes otherwise (the test then fails).
inline std::vector<std::uint8_t> hex(std::string_view text) {
  return parse_hex(text).value_or(std::vector<std::uint8_t>{});
}

}  // namespace kotona::drivers::astm::test
