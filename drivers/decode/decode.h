// Runs a driver's DeviceSession over captured device bytes the way the gateway does (start(),
// on_input() per read, finalize_reading(), on_timer() when bytes stop mid-transfer) and says at
// which input byte each rejection happened. Used by kotona-decode and the conformance kit.
// Pure apart from the session it creates; thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/reading.h"
#include "core/result.h"
#include "drivers/api/descriptor.h"
#include "drivers/gatt/capture.h"

namespace kotona::drivers::decode {

struct Rejection {
  std::size_t byte = 0;  // offset in the input (see decode_serial()); GATT: in the value
  Error error;           // as the session reported it
  std::size_t line = 0;  // GATT: the capture line of the input (0: start() / on_timer())
};

struct Decoded {
  std::vector<Reading> readings;  // finalized: uid, gateway, clock flags set
  std::vector<Rejection> rejections;
  // GATT drivers only: every command the session gave, in order ("read 2A29", "subscribe
  // 2A35", "write 2A52 01 03 01 2A 00"), and the last RecordCursor a Step gave.
  std::vector<std::string> commands;
  std::optional<RecordCursor> cursor;
};

// True for drivers that take GATT input (a BLE match rule): decode_gatt(), not decode_serial().
bool is_gatt_driver(const DriverDescriptor& driver);

// Runs a GATT driver's session over a capture (drivers/gatt/capture.h): start(), then one
// Input per event (the capture's cursor goes into SessionContext::cursor, the port is
// "00:00:00:00:00:00"), on_timer() once when the last Step asked for a timer. A rejection's
// `byte` is the error's offset within the value, `line` the event's line.
Decoded decode_gatt(const DriverDescriptor& driver, const gatt::Capture& capture,
                    HubTime hub_time, const GatewayId& gateway);

// The capture for one value of `characteristic_uuid16` alone: every identity read answered
// "not captured" (so the serial falls back to the address), then the value.
gatt::Capture single_value_capture(std::uint16_t characteristic_uuid16, std::vector<std::uint8_t> value);

// "read 2A29", "subscribe 2A35", "write 2A52 01 03 01 2A 00", "serial 06 15".
std::string command_text(const Command& command);

// The input split the way a serial read would plausibly arrive and a reader can point at: one
// chunk per ENQ or EOT byte, per frame (STX up to LF, or up to the next STX/ENQ/EOT), and per
// run of other bytes. Each chunk is one Input. A rejection's `byte` is
//   - chunk start + the error's offset, when the chunk is a run of stray bytes or a frame the
//     session NAKed (checksum, framing, garbage: the offending byte itself);
//   - the chunk start otherwise (e.g. a record error found when the frame holding the L record
//     completed the message);
//   - the input size for what on_timer() reports when the bytes end mid-transfer.
// GATT drivers get one GattValue per call instead; decode_serial() is for serial drivers.
Decoded decode_serial(const DriverDescriptor& driver, std::span<const std::uint8_t> bytes,
                      HubTime hub_time, const GatewayId& gateway);

// "05 02 31 ..." or "050231...": hex digit pairs, whitespace anywhere between pairs. nullopt on
// anything else (odd digit count, non-hex characters).
std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view text);

// "2026-11-22T10:16:00Z" or "2026-11-22T10:16:00.250Z" (UTC only). nullopt when invalid.
std::optional<HubTime> parse_iso_time(std::string_view text);

}  // namespace kotona::drivers::decode
