// Session: the implant_relay DeviceSession (docs/implant-relay-protocol.md). Scans received
// bytes for frames, decodes each SUMMARY into one Reading and ACKs it in the same Step (the
// gateway commits the reading before it writes the ACK: invariant 1). It only ever writes ACK
// and NAK frames: the path to the implant is read-only (invariant 11). Owned by the gateway;
// called on its event loop only.
#pragma once

#include <chrono>
#include <optional>

#include "drivers/api/session.h"
#include "drivers/implant_relay/frame.h"

namespace kotona::drivers::implant_relay {

// A frame still incomplete this long after its last byte is abandoned (one byte skipped).
inline constexpr std::chrono::milliseconds kInterByteTimeout{2000};
// Bytes kept while waiting for the rest of a frame (a whole frame is at most 1032).
inline constexpr std::size_t kMaxBuffered = 4096;

class Session final : public DeviceSession {
 public:
  // Nothing to send: the relay starts every exchange.
  Step start() override;
  // SerialBytes: readings, ACK/NAK commands, rejections. Connected/Disconnected: buffer
  // dropped (a partial frame is reported kTruncated). Error kUnsupported for GATT input.
  Result<Step> on_input(const Input& input) override;
  // The inter-byte timeout expired with a partial frame: skip one byte and rescan.
  Step on_timer() override;

 private:
  void scan(HubTime hub_time, Step& step);
  void on_frame(const Frame& frame, HubTime hub_time, Step& step);
  Step with_timer(Step step) const;

  Bytes buffer_;
  HubTime last_hub_time_{};
  // No memory of ACKed frames on purpose: the gateway withholds an ACK whose reading did not
  // commit, so a repeated frame must give its reading again (same uid; the outbox keeps one).
};

}  // namespace kotona::drivers::implant_relay
