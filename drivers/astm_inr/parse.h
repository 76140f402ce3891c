// Pure decoder for the astm_inr reference device profile (a home INR / coagulation meter): one
// ASTM E1394 / CLSI LIS2-A2 message (H ... L records, each ending CR, as drivers/astm's
// Receiver delivers them) becomes Inr Readings. Layout and spec references: README.md.
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

namespace kotona::drivers::astm_inr {

// The reference meter's measuring range (CoaguChek-class home INR meters: 0.8..8.0). Results
// beyond it arrive as "<0.8" / ">8.0", LO / HI or with R.7 '<' / '>' and become Inr::comparator
// (invariant 14); "HI" / "LO" take these limits as their value. An INR without an indicator is
// passed on whatever its value: plausibility is the server's (it flags, never drops).
inline constexpr astm::MeasuringRange kMeasuringRange{0.8, 8.0};
// Plausibility limits of the prothrombin time: outside them it is not a measurement.
inline constexpr double kMinProthrombinTimeS = 5.0;
inline constexpr double kMaxProthrombinTimeS = 200.0;

// Shared by every ASTM profile (drivers/astm/message.h): readings, rejected, device_clock.
using Message = astm::Message;

// Message text, records separated by CR (LF after CR tolerated):
//
//   H|\^&|||vendor^model^serial^firmware|||||||P|LIS2-A2|YYYYMMDDHHMMSS   (device clock now)
//   P|1
//   O|1|<record number>||^^^INR|||YYYYMMDDHHMMSS||||<action>   (O.8 measured; O.12 Q = QC)
//   R|1|^^^INR|2.6|INR||N||F||||YYYYMMDDHHMMSS     (R.3 QC-INR also marks a control test;
//                                                   R.4 may be ">8.0", "<0.8", HI, LO)
//   R|2|^^^PT|31.2|s||N||F                         (optional prothrombin time, seconds)
//   R|3|^^^LOT|287451                              (optional strip lot; or C|1|I|LOT^287451|G)
//   L|1|N
//   (every date/time may also be YYYYMMDD[HH[MM]]: kept with its precision, issue 14)
//
// Each O block is one reading: record_id = O.3, device_time = O.8; control tests get
// quality.control_result. Whole-message errors: kTruncated (empty, no final L record);
// kMalformed (first record not H, bad delimiters, bad or missing serial in H.5). Per-block
// errors go to `rejected`: kMalformed (no INR, bad number/unit/flag/status/lot, duplicate),
// kOutOfRange (PT outside 5..200 s), kUnsupported (R.9 = P). A PT beyond the meter's range
// ("<", ">", HI, LO) is left out; the INR result carries the measurement.
[[nodiscard]] Result<Message> parse_message(std::span<const std::uint8_t> text);

}  // namespace kotona::drivers::astm_inr
