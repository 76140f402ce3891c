// Pure decoder of the template's example device: a vendor thermometer whose one characteristic
// 0xFFF1 (service 0xFFF0, the vendor-defined 16-bit range many small devices use) notifies each
// measurement. A real driver cites its spec document, version and section here. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "core/reading.h"
#include "core/result.h"

namespace kotona::drivers::acme_thermo {

inline constexpr std::uint16_t kService = 0xFFF0;
inline constexpr std::uint16_t kMeasurementCharacteristic = 0xFFF1;

// Byte layout (little endian; fields in order, present as the flags say):
//   [0]     flags  bit 0 time stamp   bits 1-7 reserved (must be 0)
//   [1..2]  temperature s16 in 0.01 degC; 0x8000 "no value"
//   +7      time stamp (GSS Date Time)   if bit 0
struct Measurement {
  Temperature temperature;
  std::optional<DeviceTime> time;  // absent: the hub names the reading by its receive time
  friend bool operator==(const Measurement&, const Measurement&) = default;
};

// 0xFFF1. Errors (offset = the field's first byte): kTruncated; kOutOfRange for "no value" or
// outside 20..45 degC (never a number); kMalformed for reserved flag bits, a bad Date Time or
// trailing bytes.
[[nodiscard]] Result<Measurement> parse_measurement(std::span<const std::uint8_t> bytes);

}  // namespace kotona::drivers::acme_thermo
