// Pure decoder of the implant relay's SUMMARY payload (docs/implant-relay-protocol.md, "SUMMARY
// payload"): one pacemaker / ICD summary with IEEE 11073-10103 IDC terms becomes one
// CardiacImplantSummary Reading. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/reading.h"
#include "core/result.h"

namespace kotona::drivers::implant_relay {

inline constexpr std::size_t kMaxItems = 64;

struct Summary {
  Reading reading;  // device, record_id, device_time, measurement; uid/hub_time/offset unset
  DeviceTime relay_clock{};     // the relay's clock when it built the frame
  std::vector<Error> rejected;  // items refused (field left absent, reading flagged)
};

//   u8 version 1 | u32 summary number | 7 relay clock | 7 interrogation time
//   | str relay serial | str relay firmware | str implant mfg | str implant model
//   | str implant serial | u8 N | N x (u16 tag, u8 type, value)
// time = u16 year, u8 month, day, hour, minute, second; str = u8 length + ASCII.
// Whole-summary errors: kTruncated (payload ends inside a field), kMalformed (version, bad
// serial or time, N > 64, trailing bytes). Item errors go to Summary::rejected: kMalformed
// (wrong value type for the tag, repeated tag, unknown battery status), kOutOfRange (value
// outside the hub limits); the field stays absent and quality.device_error is set. Unknown
// tags are skipped; "not available" values leave the field absent without an error. A value
// of type 4 (beyond the measuring range) sets the field to the limit and its comparator
// (invariant 14); an unknown marker or a marker without a limit refuses the item (kMalformed).
[[nodiscard]] Result<Summary> parse_summary(std::span<const std::uint8_t> payload);

}  // namespace kotona::drivers::implant_relay
