// Pure decoder for the Health Thermometer Service (HTS v1.0): Temperature Measurement 0x2A1C
// (HTS §3.1, indicate) and Intermediate Temperature 0x2A1E (HTS §3.3, notify, same layout);
// field layout in the GATT Specification Supplement (GSS) v8. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "core/reading.h"
#include "core/result.h"

namespace kotona::drivers::ble_thermometer {

// Byte layout (little endian; fields in order, present as the flags say):
//   [0]     flags  bit 0 units (0 Celsius, 1 Fahrenheit)   bit 1 time stamp
//                  bit 2 temperature type   bits 3-7 RFU
//   [1..4]  temperature FLOAT (IEEE 11073 32-bit, medfloat32)
//   +7      time stamp (GSS Date Time)                            if bit 1
//   +1      type: 1 armpit 2 body 3 ear 4 finger 5 GI tract 6 mouth 7 rectum 8 toe
//           9 tympanum (0, 10-255 reserved)                       if bit 2
struct Measurement {
  Temperature temperature;           // Celsius, Fahrenheit converted, rounded to 0.01
  std::optional<DeviceTime> time;    // absent, or "not known"
  std::optional<std::uint8_t> type;  // as sent
  friend bool operator==(const Measurement&, const Measurement&) = default;
};

// 0x2A1C / 0x2A1E. Errors (offset = the field's first byte): kTruncated; kOutOfRange for a
// FLOAT NaN / NRes / +-INF (never a number) or a body temperature outside 15..50 Celsius;
// kMalformed for the reserved FLOAT, a bad Date Time or trailing bytes with no RFU flag set.
[[nodiscard]] Result<Measurement> parse_measurement(std::span<const std::uint8_t> bytes);

}  // namespace kotona::drivers::ble_thermometer
