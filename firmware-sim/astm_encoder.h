// ASTM E1381 / CLSI LIS01-A2 frame encoder, written from the standard for the simulator and
// independent of drivers/ on purpose (STYLE.md §7): a driver bug cannot hide behind a shared
// encoder. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kotona::firmware_sim {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::uint8_t kStx = 0x02, kEtx = 0x03, kEot = 0x04, kEnq = 0x05, kAck = 0x06;
inline constexpr std::uint8_t kLf = 0x0A, kCr = 0x0D, kNak = 0x15, kEtb = 0x17;
inline constexpr std::size_t kMaxFrameText = 240;  // LIS01-A2 §6.3.1
// encode_frame's own bound: one-frame senders (Afinion-class) go over 240 characters.
inline constexpr std::size_t kMaxOneFrameText = 16 * 1024;

// Modulo-256 sum of `bytes` (callers pass FN through ETX/ETB), LIS01-A2 §6.3.1.4.
std::uint8_t astm_checksum(std::span<const std::uint8_t> bytes);

// STX FN text ETX|ETB C1 C2 CR LF. REQUIRES: number in 0..7, text ≤ kMaxOneFrameText.
Bytes encode_frame(int number, std::string_view text, bool is_final);

// Frames of one message: each record (its text ending CR) starts a new frame and is split into
// 240-character pieces, intermediate pieces ending ETB and the last ETX. Frame numbers run
// 1, 2, ... 7, 0, 1 ... across the whole message (§6.3.1.2).
std::vector<Bytes> encode_message(const std::vector<std::string>& records);

// As encode_message(), but every frame but the message's last ends ETB: the Contour family
// sends each record in its own ETB frame (Tidepool uploader, bayerContourNext.js). REQUIRES:
// records of at most 240 characters.
std::vector<Bytes> encode_message_etb_frames(const std::vector<std::string>& records);

// The whole message in ONE frame, ETX, however long (Afinion-class analysers send H..L in one
// frame; over LIS01-A2's 240 characters when the message is longer).
std::vector<Bytes> encode_message_one_frame(const std::vector<std::string>& records);

}  // namespace kotona::firmware_sim
