#include "drivers/astm/frame.h"

namespace kotona::drivers::astm {

namespace {

int hex_value(std::uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // LIS01-A2 §6.3.1.4: uppercase only
}

// Characters LIS01-A2 §6.3.1.3 forbids inside frame text.
bool is_restricted(std::uint8_t c) {
  switch (c) {
    case 0x01:
    case kStx:
    case kEtx:
    case kEot:
    case kEnq:
    case kAck:
    case 0x10:
    case kNak:
    case 0x16:
    case kEtb:
    case kLf:
    case 0x11:
    case 0x12:
    case 0x13:
    case 0x14:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::uint8_t frame_checksum(std::span<const std::uint8_t> bytes) {
  unsigned sum = 0;
  for (std::uint8_t b : bytes) sum += b;
  return static_cast<std::uint8_t>(sum & 0xFFu);
}

Result<Frame> parse_frame(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return fail(Errc::kTruncated, 0, "empty frame");
  if (bytes[0] != kStx) return fail(Errc::kMalformed, 0, "frame does not start with STX");
  if (bytes.size() < 2) return fail(Errc::kTruncated, bytes.size(), "no frame number");
  if (bytes[1] < '0' || bytes[1] > '7') return fail(Errc::kMalformed, 1, "frame number not 0..7");
  Frame frame;
  frame.number = static_cast<std::uint8_t>(bytes[1] - '0');
  std::size_t i = 2;
  for (; i < bytes.size() && bytes[i] != kEtx && bytes[i] != kEtb; ++i) {
    if (is_restricted(bytes[i])) return fail(Errc::kMalformed, i, "control character in text");
    if (i - 2 >= kMaxAcceptedFrameText) {
      return fail(Errc::kMalformed, i,
                  "frame text over " + std::to_string(kMaxAcceptedFrameText) + " bytes");
    }
  }
  if (i >= bytes.size()) return fail(Errc::kTruncated, bytes.size(), "no ETX/ETB");
  frame.text.assign(bytes.begin() + 2, bytes.begin() + static_cast<std::ptrdiff_t>(i));
  frame.is_final = bytes[i] == kEtx;
  const std::size_t end = i;  // ETX/ETB
  if (bytes.size() < end + 5) return fail(Errc::kTruncated, bytes.size(), "frame trailer");
  const int high = hex_value(bytes[end + 1]);
  const int low = hex_value(bytes[end + 2]);
  if (high < 0) return fail(Errc::kMalformed, end + 1, "checksum digit not uppercase hex");
  if (low < 0) return fail(Errc::kMalformed, end + 2, "checksum digit not uppercase hex");
  if (bytes[end + 3] != kCr) return fail(Errc::kMalformed, end + 3, "no CR after checksum");
  if (bytes[end + 4] != kLf) return fail(Errc::kMalformed, end + 4, "no LF after CR");
  if (bytes.size() > end + 5) return fail(Errc::kMalformed, end + 5, "bytes after LF");
  const std::uint8_t expected = frame_checksum(bytes.subspan(1, end));
  if (expected != high * 16 + low) {
    return fail(Errc::kChecksum, end + 1, "checksum mismatch");
  }
  return frame;
}

}  // namespace kotona::drivers::astm
