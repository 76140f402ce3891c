// Pure decoder for the astm_glucose reference device profile (a glucose meter): one ASTM E1394 /
// CLSI LIS2-A2 message (H ... L records, each ending CR, as drivers/astm's Receiver delivers
// them) becomes Glucose Readings in mmol/L. Layout and spec references: README.md.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/reading.h"
#include "core/result.h"
#include "drivers/astm/message.h"

namespace kotona::drivers::astm_glucose {

// mg/dL per mmol/L for glucose (molar mass 180.156 g/mol).
inline constexpr double kMgPerDlPerMmolPerL = 18.0156;
// Plausibility limits after conversion: outside them a result is not a measurement.
inline constexpr double kMinMmolPerL = 0.5;   //  9 mg/dL
inline constexpr double kMaxMmolPerL = 55.5;  // 1000 mg/dL

// Shared by every ASTM profile (drivers/astm/message.h): readings, rejected, device_clock.
using Message = astm::Message;

// Message text, records separated by CR (LF after CR tolerated):
//
//   H|\^&|||vendor^model^serial^firmware|||||||P|LIS2-A2|YYYYMMDDHHMMSS   (device clock now)
//   P|1
//   O|1|<record number>||^^^GLU|||YYYYMMDDHHMMSS||||<action>   (O.8 measured; O.12 Q = control)
//   R|1|^^^GLU|97|mg/dL||N||F||||YYYYMMDDHHMMSS    (mg/dL or mmol/L; R.3 QC-GLU = control)
//   C|1|I|MEAL^BEFORE|G                            (BEFORE, AFTER, FASTING, BEDTIME, NONE)
//   L|1|N
//   (every date/time may also be YYYYMMDD[HH[MM]]: kept with its precision, issue 14)
//
// Each O block is one reading: record_id = O.3, device_time = O.8, value in mmol/L rounded to
// 0.1; control-solution runs get quality.control_result. Whole-message errors: kTruncated
// (empty, no final L record); kMalformed (first record not H, bad delimiters, bad or missing
// serial in H.5). Per-block errors go to `rejected`: kMalformed (no GLU, bad number, unit, flag,
// status, duplicate), kOutOfRange (outside 0.5..55.5 mmol/L), kUnsupported (R.9 = P).
[[nodiscard]] Result<Message> parse_message(std::span<const std::uint8_t> text);

}  // namespace kotona::drivers::astm_glucose
