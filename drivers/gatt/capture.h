// The text format of a captured BLE conversation (drivers/<name>/testdata/*.hex of BLE
// drivers, kotona-decode input): one event per line, what the device sent in arrival order.
//
//   # comment (also after an event)
//   cursor SN1234 41          SessionContext::cursor (serial, last committed sequence number)
//   2A25: 53 4E 31 32 33 34   a GattValue of characteristic 0x2A25 (read result or notification)
//   2A24: fail not present    a GattFailed for 0x2A24 with its reason
//   disconnect                the link dropped
//
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"
#include "drivers/api/session.h"

namespace kotona::drivers::gatt {

struct CaptureEvent {
  std::size_t line = 0;  // 1-based line in the text
  std::variant<GattValue, GattFailed, Disconnected> event;
};

struct Capture {
  std::optional<RecordCursor> cursor;
  std::vector<CaptureEvent> events;
};

// Error kMalformed with offset = the offending character's offset in `text` and the line
// number in the detail (unknown keyword, UUID not 4 hex digits, bad hex, bad cursor).
[[nodiscard]] Result<Capture> parse_capture(std::string_view text);

// True when `text` looks like a capture (its first event line starts "XXXX:", "cursor" or
// "disconnect"), so tools can tell it from plain hex.
bool is_capture(std::string_view text);

}  // namespace kotona::drivers::gatt
