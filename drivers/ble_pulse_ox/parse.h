// Pure decoders for the Pulse Oximeter Service (PLXS v1.0.1): PLX Spot-check Measurement
// 0x2A5E (PLXS §3.1) and PLX Continuous Measurement 0x2A5F (PLXS §3.2); field layouts in the
// GATT Specification Supplement (GSS) v8. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "core/reading.h"
#include "core/result.h"

namespace kotona::drivers::ble_pulse_ox {

// Spot-check 0x2A5E (little endian; fields in order, present as the flags say):
//   [0]      flags  bit 0 time stamp   bit 1 measurement status   bit 2 device and sensor
//                   status   bit 3 pulse amplitude index   bit 4 device clock is not set
//                   bits 5-7 RFU
//   [1..2]   SpO2 SFLOAT %        [3..4] pulse rate SFLOAT beats/min
//   +7       time stamp (GSS Date Time)          if bit 0
//   +2       measurement status u16              if bit 1
//   +3       device and sensor status u24        if bit 2
//   +2       pulse amplitude index SFLOAT %      if bit 3
// Continuous 0x2A5F:
//   [0]      flags  bit 0 SpO2PR-Fast   bit 1 SpO2PR-Slow   bit 2 measurement status
//                   bit 3 device and sensor status   bit 4 pulse amplitude index   5-7 RFU
//   [1..4]   SpO2PR-Normal: SpO2 SFLOAT %, pulse rate SFLOAT /min
//   +4 Fast if bit 0   +4 Slow if bit 1   +2 status if bit 2   +3 device status if bit 3
//   +2 PAI if bit 4      (the reading uses SpO2PR-Normal)
// Measurement status: bit 5 ongoing, 6 early estimate, 7 validated, 8 fully qualified, 9 from
// storage, 10 demonstration, 11 testing, 12 calibration ongoing, 13 unavailable,
// 14 questionable, 15 invalid (bits 0-4 RFU).
// Device and sensor status: bit 0 extended display update, 1 equipment malfunction, 2 signal
// processing irregularity, 3 inadequate signal, 4 poor signal, 5 low perfusion, 6 erratic
// signal, 7 nonpulsatile signal, 8 questionable pulse, 9 signal analysis ongoing, 10 sensor
// interference, 11 sensor unconnected, 12 unknown sensor, 13 sensor displaced, 14 sensor
// malfunctioning, 15 sensor disconnected (16-23 RFU).
struct Measurement {
  Spo2 spo2;                         // pulse left out when the device sends a special value
  std::optional<DeviceTime> time;    // spot-check time stamp (absent, or "not known")
  // device_error: status 6, 12 or 14, or device status 1-8, 10-15; control_result: status 10
  // (demonstration) or 11 (testing); clock_suspect: spot-check "device clock is not set".
  QualityFlags quality;
  friend bool operator==(const Measurement&, const Measurement&) = default;
};

// 0x2A5E and 0x2A5F. Errors (offset = the field's first byte):
//   kTruncated  value ends inside a field the flags announce;
//   kOutOfRange SpO2 NaN / NRes / +-INF, SpO2 outside 0..100 %, pulse outside 0..350 /min,
//               or measurement status "unavailable" (13) / "invalid" (15): not a reading;
//   kMalformed  reserved SFLOAT, bad Date Time, trailing bytes with no RFU flag set.
[[nodiscard]] Result<Measurement> parse_spot_check(std::span<const std::uint8_t> bytes);
[[nodiscard]] Result<Measurement> parse_continuous(std::span<const std::uint8_t> bytes);

}  // namespace kotona::drivers::ble_pulse_ox
