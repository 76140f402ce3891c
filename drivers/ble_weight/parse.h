// Pure decoder for the Weight Scale Service (WSS v1.0): Weight Measurement 0x2A9D (WSS §3.2,
// indicate); field layout in the GATT Specification Supplement (GSS) v8 "Weight Measurement".
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "core/reading.h"
#include "core/result.h"

namespace kotona::drivers::ble_weight {

inline constexpr double kKgPerLb = 0.45359237;

// Byte layout (little endian; fields in order, present as the flags say):
//   [0]     flags  bit 0 units (0 SI kg/m, 1 imperial lb/in)   bit 1 time stamp
//                  bit 2 user id   bit 3 BMI and height   bits 4-7 RFU
//   [1..2]  weight u16: SI 0.005 kg, imperial 0.01 lb; 0xFFFF "measurement unsuccessful"
//   +7      time stamp (GSS Date Time)                    if bit 1
//   +1      user id (0xFF unknown user)                   if bit 2
//   +2 +2   BMI u16 (0.1 kg/m2), height u16 (SI 0.001 m, imperial 0.1 in)   if bit 3
struct Measurement {
  Weight weight;                     // kg, rounded to 1 g
  std::optional<DeviceTime> time;    // absent, or "not known"
  std::optional<std::uint8_t> user;  // as sent, 0xFF included
  std::optional<double> bmi;         // kg/m2
  std::optional<double> height_m;
  friend bool operator==(const Measurement&, const Measurement&) = default;
};

// 0x2A9D. Errors (offset = the field's first byte): kTruncated; kOutOfRange for weight 0xFFFF
// ("measurement unsuccessful": never a number) or 0 / above 500 kg; kMalformed for a bad Date
// Time or trailing bytes with no RFU flag set.
[[nodiscard]] Result<Measurement> parse_measurement(std::span<const std::uint8_t> bytes);

}  // namespace kotona::drivers::ble_weight
