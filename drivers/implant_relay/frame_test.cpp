#include "drivers/implant_relay/frame.h"

#include <doctest/doctest.h>

#include <string>

#include "drivers/implant_relay/test_summary.h"

namespace kotona::drivers::implant_relay {
namespace {

using test::make_frame;

TEST_CASE("implant_relay: crc16: CCITT-FALSE check value of \"123456789\" -> 0x29B1") {
  const std::string text = "123456789";
  CHECK(crc16(Bytes(text.begin(), text.end())) == 0x29B1);
  CHECK(crc16({}) == 0xFFFF);
}

TEST_CASE("implant_relay: encode_ack / encode_nak: protocol doc layout") {
  const Bytes ack = encode_ack(7);
  REQUIRE(ack.size() == 8);
  CHECK(Bytes(ack.begin(), ack.begin() + 6) == Bytes{0x7E, 0x01, 0x80, 0x07, 0x00, 0x00});
  const Bytes nak = encode_nak(9, NakReason::kCrc);
  CHECK(Bytes(nak.begin(), nak.begin() + 7) == Bytes{0x7E, 0x01, 0x81, 0x09, 0x01, 0x00, 0x01});
  const Scan s = scan_frame(nak);
  REQUIRE(s.kind == Scan::Kind::kFrame);
  CHECK(s.frame.type == kTypeNak);
  CHECK(s.frame.payload == Bytes{1});
}

TEST_CASE("implant_relay: scan_frame: empty and every truncation -> kNeedMore, nothing consumed") {
  const Bytes frame = make_frame(kTypeSummary, 3, Bytes{1, 2, 3});
  for (std::size_t n = 0; n < frame.size(); ++n) {
    CAPTURE(n);
    const Scan s = scan_frame(std::span(frame).first(n));
    CHECK(s.kind == Scan::Kind::kNeedMore);
    CHECK(s.consumed == 0);
  }
  const Scan whole = scan_frame(frame);
  REQUIRE(whole.kind == Scan::Kind::kFrame);
  CHECK(whole.consumed == frame.size());
  CHECK(whole.frame.seq == 3);
  CHECK(whole.frame.payload == Bytes{1, 2, 3});
}

TEST_CASE("implant_relay: scan_frame: bytes before SOF -> kNoise up to the SOF, kMalformed") {
  Bytes bytes{0x00, 0x55, 0xAA};
  const Bytes frame = make_frame(kTypeSummary, 0, {});
  bytes.insert(bytes.end(), frame.begin(), frame.end());
  const Scan s = scan_frame(bytes);
  CHECK(s.kind == Scan::Kind::kNoise);
  CHECK(s.consumed == 3);
  CHECK(s.error.code == Errc::kMalformed);
  CHECK(scan_frame(std::span(bytes).subspan(3)).kind == Scan::Kind::kFrame);
}

TEST_CASE(
    "implant_relay: scan_frame: bad version or length over 1024 -> false SOF, skip one byte") {
  Bytes v2 = make_frame(kTypeSummary, 0, {});
  v2[1] = 2;
  Scan s = scan_frame(v2);
  CHECK(s.kind == Scan::Kind::kNoise);
  CHECK(s.consumed == 1);
  CHECK(s.error.code == Errc::kUnsupported);
  const Bytes long_frame{0x7E, 0x01, 0x10, 0x00, 0x01, 0x04};  // LEN 1025
  s = scan_frame(long_frame);
  CHECK(s.kind == Scan::Kind::kNoise);
  CHECK(s.error.code == Errc::kOutOfRange);
  const Bytes max_frame = make_frame(kTypeSummary, 1, Bytes(kMaxPayload, 0x7E));
  CHECK(scan_frame(max_frame).kind == Scan::Kind::kFrame);
}

TEST_CASE(
    "implant_relay: scan_frame: any flipped bit -> kBadCrc (or noise for header bits), whole "
    "frame") {
  const Bytes frame = make_frame(kTypeSummary, 5, Bytes{10, 20, 30, 40});
  for (std::size_t i = 1; i < frame.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes bad = frame;
      bad[i] ^= static_cast<std::uint8_t>(1 << bit);
      const Scan s = scan_frame(bad);
      CAPTURE(i);
      CHECK(s.kind != Scan::Kind::kFrame);
    }
  }
  Bytes bad = frame;
  bad[7] ^= 1;
  const Scan s = scan_frame(bad);
  CHECK(s.kind == Scan::Kind::kBadCrc);
  CHECK(s.consumed == frame.size());
  CHECK(s.error.code == Errc::kChecksum);
  CHECK(s.frame.seq == 5);
}

}  // namespace
}  // namespace kotona::drivers::implant_relay
