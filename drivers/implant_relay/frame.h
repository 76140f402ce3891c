// Frame layer of the implant relay serial protocol (docs/implant-relay-protocol.md): the
// incremental frame scanner the session runs over received bytes, and the only two frames the
// hub may ever send, ACK and NAK (read-only path, invariant 11). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"

namespace kotona::drivers::implant_relay {

using Bytes = std::vector<std::uint8_t>;

//   0    1    2     3    4..5      6 .. 6+LEN-1   6+LEN..+1
//   SOF  VER  TYPE  SEQ  LEN (le)  PAYLOAD        CRC-16/CCITT-FALSE (le) over VER..PAYLOAD
inline constexpr std::uint8_t kSof = 0x7E;
inline constexpr std::uint8_t kVersion = 0x01;
inline constexpr std::uint8_t kTypeSummary = 0x10;
inline constexpr std::uint8_t kTypeAck = 0x80;
inline constexpr std::uint8_t kTypeNak = 0x81;
inline constexpr std::size_t kHeaderSize = 6;
inline constexpr std::size_t kCrcSize = 2;
inline constexpr std::size_t kMaxPayload = 1024;

enum class NakReason : std::uint8_t { kCrc = 1, kMalformed = 2, kUnsupported = 3, kLength = 4 };

struct Frame {
  std::uint8_t type = 0;
  std::uint8_t seq = 0;
  std::uint16_t crc = 0;
  Bytes payload;
  friend bool operator==(const Frame&, const Frame&) = default;
};

// CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, xorout 0 ("123456789" -> 0x29B1).
std::uint16_t crc16(std::span<const std::uint8_t> bytes);

// What the first bytes of a receive buffer hold.
struct Scan {
  enum class Kind {
    kNeedMore,  // a frame may be starting; wait for more bytes (consumed == 0)
    kFrame,     // `frame` is valid; drop `consumed` bytes
    kNoise,     // `consumed` bytes before the next SOF (or false SOF: bad VER / LEN); `error`
    kBadCrc,    // a whole frame with a wrong CRC; `error`, `frame.seq` as read; NAK it
  };
  Kind kind = Kind::kNeedMore;
  std::size_t consumed = 0;
  Frame frame;
  Error error;
};

// Looks at the start of `bytes` only; call again on the rest after dropping `consumed`.
// Errors in Scan::error: kMalformed (bytes before SOF), kUnsupported (VER not 1), kOutOfRange
// (LEN > 1024), kChecksum (CRC mismatch). Offsets are relative to `bytes`.
Scan scan_frame(std::span<const std::uint8_t> bytes);

// The ACK for the frame numbered `seq`: 7E 01 80 SEQ 00 00 CRC.
Bytes encode_ack(std::uint8_t seq);
// A NAK naming `seq` (as read) and why: 7E 01 81 SEQ 01 00 REASON CRC.
Bytes encode_nak(std::uint8_t seq, NakReason reason);

}  // namespace kotona::drivers::implant_relay
