// The driver SDK contract: a DeviceSession is a sans-IO state machine for one connected device.
// The gateway owns each session and makes every call on its event loop thread; a session never
// does IO, never blocks, never reads a clock and never sees a thread (STYLE.md §6).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/reading.h"
#include "core/result.h"

namespace kotona::drivers {

using Bytes = std::vector<std::uint8_t>;

// --- What the gateway feeds a session -------------------------------------------------------

struct SerialBytes {  // bytes read from the serial port, in arrival order
  Bytes bytes;
};
struct GattValue {  // a notification, indication or read result
  std::uint16_t characteristic_uuid16 = 0;
  Bytes bytes;
};
struct Connected {};
struct Disconnected {};

struct Input {
  HubTime hub_time{};  // when the gateway received this input
  std::variant<SerialBytes, GattValue, Connected, Disconnected> event;
};

// --- What a session asks the gateway to do ---------------------------------------------------

struct SerialWrite {
  Bytes bytes;
};
struct GattSubscribe {
  std::uint16_t characteristic_uuid16 = 0;
};
struct GattWrite {
  std::uint16_t characteristic_uuid16 = 0;
  Bytes bytes;
};
struct GattRead {
  std::uint16_t characteristic_uuid16 = 0;
};

using Command = std::variant<SerialWrite, GattSubscribe, GattWrite, GattRead>;

// The result of one call. The gateway commits `readings` to the outbox BEFORE it carries out
// `commands` (invariant 1): a session may therefore put the acknowledgement that lets the
// device forget a record (serial ACK, RACP delete) in the same Step as the reading.
struct Step {
  std::vector<Reading> readings;
  std::vector<Command> commands;
  // Call on_timer() after this long (from now); nullopt cancels any pending timer.
  std::optional<std::chrono::milliseconds> timer;
  // Input the session refused (bad checksum, malformed record, ...): the gateway logs each one
  // and counts it by Errc; `readings` and `commands` of the same Step still count (a NAK that
  // asks the device to resend is a command next to a rejection).
  std::vector<Error> rejected;
};

// A session reports malformed device bytes in Step::rejected (or, when it has nothing else to
// do, as an Error from on_input()); the gateway logs and counts them and keeps the session: a
// bad frame never costs the next good reading.
class DeviceSession {
 public:
  virtual ~DeviceSession() = default;
  // Called once after the transport is open. Returns the first commands (e.g. subscriptions).
  virtual Step start() = 0;
  // Called for every input. Error: input rejected with nothing to do (logged, counted); the
  // session stays usable either way.
  virtual Result<Step> on_input(const Input& input) = 0;
  // Called when the timer requested by the last Step expires.
  virtual Step on_timer() = 0;
};

}  // namespace kotona::drivers
