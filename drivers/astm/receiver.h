// Receiver: the ASTM E1381 / LIS01-A2 §6 receiver as a pure, incremental state machine. Feed it
// the bytes read from the port; it answers with events (send ACK/NAK, record text complete,
// transfer ended, error). Knows no clock: the owner calls on_timeout() after the standard's
// 30 s receiver timeout (LIS01-A2 §6.5.2). Not thread-safe; one owner (a driver session).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace kotona::drivers::astm {

// LIS01-A2 §6.5.2: the receiver waits at most 30 s for the next frame or EOT.
inline constexpr std::chrono::seconds kReceiverTimeout{30};
// Upper bound on one record assembled from ETB frames; larger records are refused (NAK).
inline constexpr std::size_t kMaxRecordBytes = 64 * 1024;

struct ReceiverEvent {
  enum class Kind {
    kSendAck,        // write ACK (0x06) to the device
    kSendNak,        // write NAK (0x15) to the device
    kRecord,         // `text` holds one record's text (ETB frames joined), trailing CR kept
    kEndOfTransfer,  // EOT received: the sender is done; receiver is idle again
    kError,          // `error` describes rejected bytes (bad frame, garbage, timeout)
    // The sender gave up (EOT, a new ENQ or silence) on a frame refused as longer than
    // kMaxAcceptedFrameText: the records in it stay in the meter, which thinks them sent or
    // will retry forever. `error` names it. Once per distinct frame (a retry of the same frame
    // in a later transfer is not reported again), so the owner can report it as a refused
    // record (issue 13, invariant 13).
    kFrameAbandoned,
  };
  Kind kind = Kind::kError;
  std::string text;
  Error error;
};

class Receiver {
 public:
  // Consumes `bytes` in order; returns the events they cause, in order. Never fails: bad
  // input becomes kError events (garbage between frames is one kError per run of bytes).
  std::vector<ReceiverEvent> feed(std::span<const std::uint8_t> bytes);
  // The sender went silent past kReceiverTimeout: back to idle. Returns one kError event when
  // a transfer was in progress, none otherwise.
  std::vector<ReceiverEvent> on_timeout();
  // Back to idle, dropping any partial frame or record (e.g. the port closed).
  void reset();
  // The owner could not keep what the last accepted frame completed (its ACK was withheld):
  // forget that frame as if it never came and answer NAK, so the sender's repeat of it is
  // delivered again, not taken for a duplicate (§6.3.2). Returns the kSendNak event, or
  // nothing when no frame is pending an answer (the transfer ended).
  std::vector<ReceiverEvent> refuse_last_frame();
  // True between ENQ and EOT: the owner should run the receiver timeout.
  bool in_transfer() const { return state_ != State::kIdle; }

 private:
  enum class State { kIdle, kBetweenFrames, kInFrame };

  void on_idle_byte(std::uint8_t byte, std::size_t offset, std::vector<ReceiverEvent>& out);
  void on_between_byte(std::uint8_t byte, std::size_t offset, std::vector<ReceiverEvent>& out);
  void on_frame_byte(std::uint8_t byte, std::vector<ReceiverEvent>& out);
  void finish_frame(std::vector<ReceiverEvent>& out);
  void start_transfer(std::vector<ReceiverEvent>& out);
  void note_garbage(std::size_t offset);
  void flush_garbage(std::vector<ReceiverEvent>& out);
  void report_abandoned(std::vector<ReceiverEvent>& out);

  State state_ = State::kIdle;
  std::vector<std::uint8_t> frame_;  // bytes of the frame being received, from STX
  std::string record_;               // text of ETB frames of the record being assembled
  std::uint8_t expected_number_ = 1;
  std::optional<std::uint8_t> last_accepted_;
  // What refuse_last_frame() puts back: the state before the last accepted frame.
  struct BeforeFrame {
    std::string record;
    std::uint8_t expected_number = 1;
    std::optional<std::uint8_t> last_accepted;
  };
  std::optional<BeforeFrame> before_last_;
  // Fingerprint of the frame last NAKed as too long, until a frame is accepted or the sender
  // gives up; and of the last one reported (kFrameAbandoned), kept across transfers.
  std::optional<std::uint64_t> oversize_pending_;
  std::optional<std::uint64_t> oversize_reported_;
  std::size_t garbage_bytes_ = 0;   // current run of bytes outside any frame
  std::size_t garbage_offset_ = 0;  // offset (in the feed() call) where the run started
};

}  // namespace kotona::drivers::astm
