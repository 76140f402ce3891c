// Bluetooth Date Time (GATT Specification Supplement §3.70, characteristic 0x2A08) as it
// appears inside measurement characteristics, and the Current Time characteristic (0x2A2B,
// Current Time Service 1.1 §3.1, GSS §3.62) the hub reads and writes. Pure; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "core/reading.h"
#include "core/result.h"
#include "drivers/gatt/byte_reader.h"

namespace kotona::drivers::gatt {

// Date Time, 7 bytes:
//   [0..1] year u16 (1582..9999, 0 = unknown)  [2] month (1..12, 0 = unknown)
//   [3] day (1..31, 0 = unknown)  [4] hours 0..23  [5] minutes 0..59  [6] seconds 0..59
// The device's local wall clock, read as if it were UTC (DeviceTime, never corrected).
// Errors: kTruncated; kMalformed at the field for a value out of range or a date that does not
// exist; kOutOfRange when year, month or day is 0 ("not known": no time, not a time).
[[nodiscard]] Result<DeviceTime> read_date_time(ByteReader& reader);

// Current Time, 10 bytes: Date Time (7), day of week (1 = Monday .. 7 = Sunday, 0 = unknown),
// fractions256 (1/256 s), adjust reason (bit 0 manual, 1 external reference, 2 time zone,
// 3 DST; bits 4-7 RFU). Extra trailing bytes are ignored (CTS 1.1 §3.1 allows longer values).
struct CurrentTime {
  DeviceTime time{};
  std::uint8_t adjust_reason = 0;
  friend bool operator==(const CurrentTime&, const CurrentTime&) = default;
};
[[nodiscard]] Result<CurrentTime> parse_current_time(std::span<const std::uint8_t> bytes);

// Adjust reason the hub writes: bit 1, external reference time update.
inline constexpr std::uint8_t kAdjustExternalReference = 0x02;

// The 10-byte Current Time value for `local` (the device's wall clock: UTC + its zone offset),
// day of week computed, fractions 0, adjust reason kAdjustExternalReference.
// REQUIRES: year of `local` in 1582..9999.
std::vector<std::uint8_t> encode_current_time(DeviceTime local);

}  // namespace kotona::drivers::gatt
