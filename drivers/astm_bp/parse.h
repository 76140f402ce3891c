// Pure decoder for the astm_bp reference device profile: one ASTM E1394 / CLSI LIS2-A2
// message (H ... L records, each ending CR, as drivers/astm's Receiver delivers them) becomes
// blood-pressure Readings. Layout and spec references: README.md. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/reading.h"
#include "core/result.h"
#include "drivers/astm/message.h"

namespace kotona::drivers::astm_bp {

inline constexpr double kMmhgPerKpa = 7.50062;

// Shared by every ASTM profile (drivers/astm/message.h): readings, rejected, device_clock.
using Message = astm::Message;

// Message text, records separated by CR (LF after CR tolerated):
//
//   H|\^&|||vendor^model^serial^firmware|||||||P|LIS2-A2|YYYYMMDDHHMMSS   (device clock now)
//   P|1
//   O|1|<record number>||^^^BP|||YYYYMMDDHHMMSS                           (measured, raw)
//   R|n|^^^SYS|182|mmHg||H||F||||YYYYMMDDHHMMSS     (also DIA, PULSE /min, MAP; mmHg or kPa)
//   C|1|I|IHB^irregular heartbeat|G                 (IHB, MOV set quality flags)
//   ... more O blocks ...
//   L|1|N
//   (every date/time may also be YYYYMMDD[HH[MM]]: kept with its precision, issue 14)
//
// Each O block with its R and C records is one reading: record_id = O.3, device_time = O.8.
// Whole-message errors: kTruncated (empty, or no final L record); kMalformed (first record not
// H, bad delimiters, bad or missing device serial in H.5). Per-block errors go to `rejected`:
// kMalformed (missing SYS or DIA, bad number, unit, flag or status, bad record number),
// kOutOfRange (value outside 0..1000 mmHg or /min), kUnsupported (R.9 = P, preliminary).
// Result status X sets quality.device_error; R.7 '<' or '>' too (value at a range limit).
[[nodiscard]] Result<Message> parse_message(std::span<const std::uint8_t> text);

}  // namespace kotona::drivers::astm_bp
