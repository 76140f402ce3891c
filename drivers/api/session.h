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
struct GattValue {  // a notification, indication or read result: the value's bytes as sent
  std::uint16_t characteristic_uuid16 = 0;
  Bytes bytes;
};
// A GattRead, GattWrite or GattSubscribe the session asked for could not be carried out: the
// characteristic is absent, the device answered with an ATT error, or it timed out. A
// successful read arrives as GattValue; a successful write or subscribe is not reported.
struct GattFailed {
  std::uint16_t characteristic_uuid16 = 0;
  std::string reason;  // for logs, e.g. "not present", "ATT error 0x81"
};
struct Connected {};
struct Disconnected {};
// The gateway could not commit the readings of the session's previous Step (e.g. the hub's
// disk is full), so that Step's commands were NOT carried out. Fed right after that Step. A
// session whose acknowledgement lets the device forget a record refuses it now (ASTM: NAK),
// so the device keeps the record and retries without waiting out its own timeout; other
// sessions may return an empty Step or an error (ignored, not counted).
struct CommitFailed {};

struct Input {
  HubTime hub_time{};  // when the gateway received this input
  std::variant<SerialBytes, GattValue, Connected, Disconnected, GattFailed, CommitFailed> event;
};

// --- What a session asks the gateway to do ---------------------------------------------------

// BLE commands name a characteristic by its 16-bit UUID; the transport finds it among the
// device's GATT services (in the SIG profiles Kotona uses, each characteristic UUID appears in
// one service only). The transport carries out a Step's commands in order, each finished
// (read answered, write response received, CCCD written) before the next starts.
struct SerialWrite {
  Bytes bytes;
};
// Enable notifications or indications, whichever the characteristic supports (BlueZ
// StartNotify). Values then arrive as GattValue.
struct GattSubscribe {
  std::uint16_t characteristic_uuid16 = 0;
};
// Write with response (e.g. RACP request 0x2A52, Current Time 0x2A2B).
struct GattWrite {
  std::uint16_t characteristic_uuid16 = 0;
  Bytes bytes;
};
// Read once; the value arrives as GattValue (or GattFailed).
struct GattRead {
  std::uint16_t characteristic_uuid16 = 0;
};

using Command = std::variant<SerialWrite, GattSubscribe, GattWrite, GattRead>;

// Where a device's stored-record transfer stands (BLE RACP sync): the last record sequence
// number whose reading is committed. The gateway stores it with the Step's readings in ONE
// outbox transaction, and hands the stored value back in SessionContext::cursor when it next
// connects the same device with the same driver. `serial` ties it to the device that made it;
// `fingerprint` (the driver's text, e.g. the record's bytes in hex; "" when unknown) tells the
// record at `sequence` from another one numbered the same after the device's counter restarted.
struct RecordCursor {
  DeviceSerial serial;
  std::uint16_t sequence = 0;
  std::string fingerprint = {};
  friend bool operator==(const RecordCursor&, const RecordCursor&) = default;
};

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
  // When set: store it (replacing the previous one) in the same transaction that commits
  // `readings` (which may be empty: records that carry no reading still advance it).
  std::optional<RecordCursor> cursor;
  // Device records that carried a measurement but give no reading (malformed, a value the
  // session cannot represent) and that the device counts as delivered, so it never sends them
  // again. Each is ALSO in `rejected` (logged and counted there); the gateway tallies these per
  // device and Errc for its heartbeat, so the care team hears of them (device.record_refused,
  // invariant 13).
  std::vector<Error> refused_records = {};
  // Values the device sent that are by design no reading and no error, e.g. a heart-rate strap
  // off the skin: the gateway counts each as `device_skipped_<name>` in its heartbeat
  // counters, so a patient who never wears the strap shows as a number, not as silence.
  std::vector<std::string> skipped = {};
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
