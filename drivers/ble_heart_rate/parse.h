// Pure decoder of the Bluetooth SIG Heart Rate Measurement characteristic (0x2A37) of the Heart
// Rate Service 0x180D: Heart Rate Service 1.0 §3.1 and GATT Specification Supplement (2023)
// §3.113 "Heart Rate Measurement". The device has no clock and pushes each value. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/result.h"

namespace kotona::drivers::ble_heart_rate {

inline constexpr std::uint16_t kService = 0x180D;
inline constexpr std::uint16_t kMeasurementCharacteristic = 0x2A37;

// Sensor Contact Status (flags bits 1-2): whether the sensor can tell, and whether it touches.
enum class Contact { kNotSupported, kNotDetected, kDetected };

// Byte layout (little endian; fields in order, present as the flags say):
//   [0]    flags  bit 0 value format (0: uint8, 1: uint16)
//                 bit 1 contact detected   bit 2 contact status supported
//                 bit 3 energy expended present   bit 4 RR intervals present
//                 bits 5-7 reserved (must be 0)
//   [1]    heart rate uint8 /min        if bit 0 clear
//   [1..2] heart rate uint16 /min       if bit 0 set
//   +2     energy expended uint16 kJ    if bit 3 (0xFFFF: at least 65535 kJ)
//   +2*n   RR intervals uint16, 1/1024 s each, one or more, to the end   if bit 4
struct Measurement {
  std::uint16_t beats_per_min = 0;
  Contact contact = Contact::kNotSupported;
  std::optional<std::uint16_t> energy_expended_kj;
  std::vector<double> rr_intervals_s;  // oldest first
  friend bool operator==(const Measurement&, const Measurement&) = default;
};

// 0x2A37. Errors (offset = the field's first byte): kTruncated at a missing field, an RR flag
// with no interval or half of one; kMalformed for reserved flag bits or bytes after the last
// field.
[[nodiscard]] Result<Measurement> parse_measurement(std::span<const std::uint8_t> bytes);

}  // namespace kotona::drivers::ble_heart_rate
