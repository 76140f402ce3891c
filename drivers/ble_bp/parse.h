// Pure decoders for the Blood Pressure Service (BLS v1.1.1): Blood Pressure Measurement 0x2A35
// (BLS §3.1; layout in the GATT Specification Supplement (GSS) v8 "Blood Pressure
// Measurement") and Intermediate Cuff Pressure 0x2A36 (BLS §3.2, same layout). Pure;
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "core/reading.h"
#include "core/result.h"

namespace kotona::drivers::ble_bp {

inline constexpr double kMmhgPerKpa = 7.50062;

// Byte layout (little endian; fields in this order, present as the flags say):
//   [0]     flags   bit 0 units (0 mmHg, 1 kPa)   bit 1 time stamp   bit 2 pulse rate
//                   bit 3 user id   bit 4 measurement status   bits 5-7 RFU
//   [1..2]  systolic  SFLOAT     [3..4] diastolic SFLOAT     [5..6] mean arterial SFLOAT
//   +7      time stamp (GSS Date Time)         if bit 1
//   +2      pulse rate SFLOAT, beats per min   if bit 2
//   +1      user id (0xFF = unknown user)      if bit 3
//   +2      measurement status                  if bit 4
//             bit 0 body movement   bit 1 cuff too loose   bit 2 irregular pulse
//             bits 3-4 pulse rate range (0 in, 1 above upper, 2 below lower, 3 RFU)
//             bit 5 improper measurement position   bits 6-15 RFU
struct Measurement {
  BloodPressure pressure;                  // mmHg (kPa x 7.50062, rounded to 0.1)
  std::optional<DeviceTime> time;          // absent, or year/month/day 0 (not known)
  std::optional<std::uint8_t> user;        // as sent, 0xFF included
  QualityFlags quality;                    // body_movement, irregular_pulse, device_error
  friend bool operator==(const Measurement&, const Measurement&) = default;
};

// 0x2A35. Errors (offset = the field's first byte):
//   kTruncated  value ends inside a field the flags announce;
//   kOutOfRange systolic or diastolic NaN / NRes / +-INF, or outside 0..1000 mmHg, pulse
//               outside 0..1000 /min (MAP or pulse NaN / NRes / +-INF: left out);
//   kMalformed  reserved SFLOAT anywhere, bad Date Time, trailing bytes with no RFU flag set.
// RFU flag or status bits are ignored (BLS: reserved for future use); with an RFU flag set,
// trailing bytes are a future field and ignored too. Cuff too loose and improper position set
// quality.device_error.
[[nodiscard]] Result<Measurement> parse_measurement(std::span<const std::uint8_t> bytes);

// 0x2A36: the current cuff pressure in mmHg (the systolic field; diastolic and MAP are NaN by
// BLS §3.2 and not checked), nullopt when the device sends a special value. Same errors.
[[nodiscard]] Result<std::optional<double>> parse_intermediate_cuff_pressure(
    std::span<const std::uint8_t> bytes);

}  // namespace kotona::drivers::ble_bp
