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
#include "drivers/astm/value.h"

namespace kotona::drivers::astm_glucose {

// mg/dL per mmol/L for glucose (molar mass 180.156 g/mol).
inline constexpr double kMgPerDlPerMmolPerL = 18.0156;
// The reference meter's measuring range in mmol/L (home meters typically 20..600 mg/dL).
// Results beyond it arrive as "<20" / ">600", LO / HI or with R.7 '<' / '>' and become
// Glucose::comparator (invariant 14); LO / HI take these limits as their value. A value without
// an indicator is passed on whatever it is: plausibility is the server's (flags, never drops).
inline constexpr astm::MeasuringRange kMeasuringRange{1.1, 33.3};

// Shared by every ASTM profile (drivers/astm/message.h): readings, rejected, device_clock.
using Message = astm::Message;

// Message text, records separated by CR (LF after CR tolerated):
//
//   H|\^&|||vendor^model^serial^firmware|||||||P|LIS2-A2|YYYYMMDDHHMMSS   (device clock now)
//   P|1
//   O|1|<record number>||^^^GLU|||YYYYMMDDHHMMSS||||<action>   (O.8 measured; O.12 Q = control)
//   R|1|^^^GLU|97|mg/dL||N||F||||YYYYMMDDHHMMSS    (mg/dL or mmol/L; R.3 QC-GLU = control;
//                                                   R.4 may be HI, LO, ">600", "<20")
//   C|1|I|MEAL^BEFORE|G                            (BEFORE, AFTER, FASTING, BEDTIME, NONE)
//   L|1|N
//   (every date/time may also be YYYYMMDD[HH[MM]]: kept with its precision, issue 14)
//
// Each O block is one reading: record_id = O.3, device_time = O.8, value in mmol/L rounded to
// 0.1; control-solution runs get quality.control_result. Whole-message errors: kTruncated
// (empty, no final L record); kMalformed (first record not H, bad delimiters, bad or missing
// serial in H.5). Per-block errors go to `rejected`: kMalformed (no GLU, bad number, unit, flag,
// status, duplicate), kUnsupported (R.9 = P).
[[nodiscard]] Result<Message> parse_message(std::span<const std::uint8_t> text);

}  // namespace kotona::drivers::astm_glucose
