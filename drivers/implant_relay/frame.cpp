#include "drivers/implant_relay/frame.h"

#include <algorithm>
#include <string>

namespace kotona::drivers::implant_relay {

namespace {

Bytes encode(std::uint8_t type, std::uint8_t seq, std::span<const std::uint8_t> payload) {
  Bytes out;
  out.reserve(kHeaderSize + payload.size() + kCrcSize);
  for (std::uint8_t b :
       {kSof, kVersion, type, seq, static_cast<std::uint8_t>(payload.size() & 0xFF),
        static_cast<std::uint8_t>(payload.size() >> 8)}) {
    out.push_back(b);
  }
  for (std::uint8_t b : payload) out.push_back(b);
  const std::uint16_t crc = crc16(std::span(out).subspan(1));
  out.push_back(static_cast<std::uint8_t>(crc & 0xFF));
  out.push_back(static_cast<std::uint8_t>(crc >> 8));
  return out;
}

Scan noise(std::size_t consumed, Errc code, std::size_t offset, std::string detail) {
  Scan s;
  s.kind = Scan::Kind::kNoise;
  s.consumed = consumed;
  s.error = Error{code, offset, std::move(detail)};
  return s;
}

}  // namespace

std::uint16_t crc16(std::span<const std::uint8_t> bytes) {
  std::uint16_t crc = 0xFFFF;
  for (std::uint8_t b : bytes) {
    crc = static_cast<std::uint16_t>(crc ^ (b << 8));
    for (int i = 0; i < 8; ++i) {
      crc = (crc & 0x8000) != 0 ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021)
                                : static_cast<std::uint16_t>(crc << 1);
    }
  }
  return crc;
}

Scan scan_frame(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return Scan{};
  if (bytes[0] != kSof) {
    const auto next = std::find(bytes.begin(), bytes.end(), kSof);
    const auto n = static_cast<std::size_t>(next - bytes.begin());
    return noise(n, Errc::kMalformed, 0, std::to_string(n) + " byte(s) outside a frame");
  }
  if (bytes.size() < kHeaderSize) return Scan{};
  if (bytes[1] != kVersion) {
    return noise(1, Errc::kUnsupported, 1,
                 "frame version " + std::to_string(bytes[1]) + " (false SOF or not version 1)");
  }
  const std::size_t len = bytes[4] | (static_cast<std::size_t>(bytes[5]) << 8);
  if (len > kMaxPayload) {
    return noise(1, Errc::kOutOfRange, 4,
                 "frame length " + std::to_string(len) + " over 1024 (false SOF)");
  }
  const std::size_t total = kHeaderSize + len + kCrcSize;
  if (bytes.size() < total) return Scan{};
  Scan s;
  s.consumed = total;
  s.frame.type = bytes[2];
  s.frame.seq = bytes[3];
  s.frame.crc = static_cast<std::uint16_t>(bytes[total - 2] | (bytes[total - 1] << 8));
  const std::uint16_t computed = crc16(bytes.subspan(1, kHeaderSize - 1 + len));
  if (computed != s.frame.crc) {
    s.kind = Scan::Kind::kBadCrc;
    s.error = Error{Errc::kChecksum, total - 2,
                    "frame CRC mismatch (seq " + std::to_string(s.frame.seq) + ")"};
    return s;
  }
  s.kind = Scan::Kind::kFrame;
  s.frame.payload.assign(bytes.begin() + kHeaderSize, bytes.begin() + kHeaderSize + len);
  return s;
}

Bytes encode_ack(std::uint8_t seq) { return encode(kTypeAck, seq, {}); }

Bytes encode_nak(std::uint8_t seq, NakReason reason) {
  const std::uint8_t payload[] = {static_cast<std::uint8_t>(reason)};
  return encode(kTypeNak, seq, payload);
}

}  // namespace kotona::drivers::implant_relay
