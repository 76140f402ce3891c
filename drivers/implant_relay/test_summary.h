// Test-only builder of relay SUMMARY payloads and frames for drivers/implant_relay tests and the
// fuzz target (firmware-sim/ has the spec-written encoder; this one is deliberately tiny).
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "drivers/implant_relay/frame.h"

namespace kotona::drivers::implant_relay::test {

struct PayloadBuilder {
  Bytes bytes;
  PayloadBuilder& u8(std::uint32_t v) {
    bytes.push_back(static_cast<std::uint8_t>(v));
    return *this;
  }
  PayloadBuilder& u16(std::uint32_t v) { return u8(v & 0xFF).u8(v >> 8); }
  PayloadBuilder& u32(std::uint32_t v) { return u16(v & 0xFFFF).u16(v >> 16); }
  PayloadBuilder& time(int y, int mo, int d, int h, int mi, int s) {
    return u16(static_cast<std::uint32_t>(y))
        .u8(static_cast<std::uint32_t>(mo))
        .u8(static_cast<std::uint32_t>(d))
        .u8(static_cast<std::uint32_t>(h))
        .u8(static_cast<std::uint32_t>(mi))
        .u8(static_cast<std::uint32_t>(s));
  }
  PayloadBuilder& text(const std::string& s) {
    u8(static_cast<std::uint32_t>(s.size()));
    bytes.insert(bytes.end(), s.begin(), s.end());
    return *this;
  }
  // Header of a summary numbered `number` from relay RLY1 for implant serial `implant`,
  // relay clock 2026-11-22 10:16:00, interrogation 2026-11-22 03:00:00, then `items` count.
  static PayloadBuilder header(std::uint32_t number, std::uint32_t items,
                               const std::string& implant = "PM123456") {
    PayloadBuilder b;
    b.u8(1).u32(number).time(2026, 11, 22, 10, 16, 0).time(2026, 11, 22, 3, 0, 0);
    b.text("RLY1").text("2.1").text("Acme").text("Pacer DR").text(implant).u8(items);
    return b;
  }
  PayloadBuilder& decimal(std::uint16_t tag, std::int32_t mantissa, std::int8_t exponent) {
    return u16(tag)
        .u8(1)
        .u32(static_cast<std::uint32_t>(mantissa))
        .u8(static_cast<std::uint8_t>(exponent));
  }
  // Value type 4: marker 1 below / 2 above the relay's measuring range, then the limit.
  PayloadBuilder& beyond(std::uint16_t tag, std::uint8_t marker, std::int32_t mantissa,
                         std::int8_t exponent) {
    return u16(tag)
        .u8(4)
        .u8(marker)
        .u32(static_cast<std::uint32_t>(mantissa))
        .u8(static_cast<std::uint8_t>(exponent));
  }
  PayloadBuilder& count(std::uint16_t tag, std::uint32_t v) { return u16(tag).u8(2).u32(v); }
  PayloadBuilder& enumerated(std::uint16_t tag, std::uint8_t v) { return u16(tag).u8(3).u8(v); }
};

inline Bytes make_frame(std::uint8_t type, std::uint8_t seq, const Bytes& payload) {
  Bytes out;
  for (std::uint8_t b :
       {kSof, kVersion, type, seq, static_cast<std::uint8_t>(payload.size() & 0xFF),
        static_cast<std::uint8_t>(payload.size() >> 8)}) {
    out.push_back(b);
  }
  for (std::uint8_t b : payload) out.push_back(b);
  const std::uint16_t crc = crc16(std::span(out).subspan(1));
  out.push_back(static_cast<std::uint8_t>(crc & 0xFF));
  out.push_back(static_cast<std::uint8_t>(crc >> 8));
  return out;
}

}  // namespace kotona::drivers::implant_relay::test
