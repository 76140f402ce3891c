// ASTM E1381 / CLSI LIS01-A2 low-level frames, receiver side: control characters and a pure
// frame parser. Shared by every serial ASTM driver (INR, glucose, blood pressure). Pure;
// thread-safe. Encoders live in firmware-sim/ (STYLE.md §7), not here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "core/result.h"

namespace kotona::drivers::astm {

// LIS01-A2 §6.1 control characters.
inline constexpr std::uint8_t kStx = 0x02;
inline constexpr std::uint8_t kEtx = 0x03;
inline constexpr std::uint8_t kEot = 0x04;
inline constexpr std::uint8_t kEnq = 0x05;
inline constexpr std::uint8_t kAck = 0x06;
inline constexpr std::uint8_t kLf = 0x0A;
inline constexpr std::uint8_t kCr = 0x0D;
inline constexpr std::uint8_t kNak = 0x15;
inline constexpr std::uint8_t kEtb = 0x17;

// LIS01-A2 §6.3.1: at most 240 characters of text per frame; a sender splits longer text.
inline constexpr std::size_t kMaxFrameText = 240;
// What a receiver accepts: Afinion-class analysers send a whole message in one frame, over
// 240 characters when the message is longer (issue 14). Refusing such a frame would lose the
// result: the frame is accepted up to this bound, which only limits memory.
inline constexpr std::size_t kMaxAcceptedFrameText = 16 * 1024;
// STX FN text ETX C1 C2 CR LF.
inline constexpr std::size_t kFrameOverhead = 7;
inline constexpr std::size_t kMaxFrameBytes = kMaxFrameText + kFrameOverhead;
inline constexpr std::size_t kMaxAcceptedFrameBytes = kMaxAcceptedFrameText + kFrameOverhead;

struct Frame {
  std::uint8_t number = 0;  // 0..7 (the ASCII digit's value)
  std::string text;         // between FN and ETX/ETB; a record's own CR is kept
  bool is_final = false;    // ended ETX (last frame of a record), not ETB
  friend bool operator==(const Frame&, const Frame&) = default;
};

// One complete frame, LIS01-A2 §6.3:
//
//   offset 0    1    2 .. n+1     n+2        n+3 n+4   n+5  n+6
//          STX  FN   text (n≤240; accepted to kMaxAcceptedFrameText)  ETX|ETB  C1  C2  CR  LF
//
// FN is ASCII '0'..'7'. C1 C2 are the sum of the bytes FN..ETX/ETB inclusive, mod 256, as two
// uppercase hex digits. Returns the frame, or:
//   kTruncated (offset = input size) when the input ends before LF;
//   kChecksum (offset of C1) when C1 C2 do not match;
//   kMalformed (offset of the bad byte) for a missing STX, a bad FN, a control character in
//   the text, text over kMaxAcceptedFrameText characters, bad hex digits, or bytes after LF.
[[nodiscard]] Result<Frame> parse_frame(std::span<const std::uint8_t> bytes);

// Sum of `bytes` mod 256 (LIS01-A2 §6.3.1.4); callers pass FN..ETX/ETB.
std::uint8_t frame_checksum(std::span<const std::uint8_t> bytes);

}  // namespace kotona::drivers::astm
