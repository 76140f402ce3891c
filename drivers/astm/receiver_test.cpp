#include "drivers/astm/receiver.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "drivers/astm/test_frames.h"

namespace kotona::drivers::astm {
namespace {

using Kind = ReceiverEvent::Kind;
using test::make_frame;

std::vector<Kind> kinds(const std::vector<ReceiverEvent>& events) {
  std::vector<Kind> out;
  out.reserve(events.size());
  for (const auto& e : events) out.push_back(e.kind);
  return out;
}

std::vector<ReceiverEvent> feed(Receiver& r, std::vector<std::uint8_t> bytes) {
  return r.feed(bytes);
}

std::vector<ReceiverEvent> feed_byte(Receiver& r, std::uint8_t byte) { return feed(r, {byte}); }

TEST_CASE("Receiver: ENQ while idle -> ACK and in transfer") {
  Receiver r;
  CHECK_FALSE(r.in_transfer());
  CHECK(kinds(feed_byte(r, kEnq)) == std::vector{Kind::kSendAck});
  CHECK(r.in_transfer());
}

TEST_CASE("Receiver: good final frame -> record then ACK") {
  Receiver r;
  (void)feed_byte(r, kEnq);
  auto events = feed(r, make_frame(1, "H|\\^&\r", true));
  REQUIRE(kinds(events) == std::vector{Kind::kRecord, Kind::kSendAck});
  CHECK(events[0].text == "H|\\^&\r");
}

TEST_CASE("Receiver: ETB continuation (§6.3.1.2) -> one record joined from both frames") {
  Receiver r;
  (void)feed_byte(r, kEnq);
  CHECK(kinds(feed(r, make_frame(1, "R|1|^^^", false))) == std::vector{Kind::kSendAck});
  auto events = feed(r, make_frame(2, "SYS|182\r", true));
  REQUIRE(kinds(events) == std::vector{Kind::kRecord, Kind::kSendAck});
  CHECK(events[0].text == "R|1|^^^SYS|182\r");
}

TEST_CASE("Receiver: frame numbers wrap 7 -> 0 -> accepted in order") {
  Receiver r;
  (void)feed_byte(r, kEnq);
  for (int i = 1; i <= 9; ++i) {
    CAPTURE(i);
    auto events = feed(r, make_frame(i % 8, "P|" + std::to_string(i) + "\r", true));
    REQUIRE(kinds(events) == std::vector{Kind::kRecord, Kind::kSendAck});
  }
}

TEST_CASE("Receiver: bad checksum -> error and NAK, then the resent frame -> record once") {
  Receiver r;
  (void)feed_byte(r, kEnq);
  auto bad = make_frame(1, "L|1|N\r", true);
  bad[bad.size() - 3] ^= 0x01;  // C2
  auto events = feed(r, bad);
  REQUIRE(kinds(events) == std::vector{Kind::kError, Kind::kSendNak});
  CHECK(events[0].error.code == Errc::kChecksum);
  CHECK(kinds(feed(r, make_frame(1, "L|1|N\r", true))) ==
        std::vector{Kind::kRecord, Kind::kSendAck});
}

TEST_CASE("Receiver: wrong frame number -> error and NAK, nothing delivered") {
  Receiver r;
  (void)feed_byte(r, kEnq);
  auto events = feed(r, make_frame(3, "L|1|N\r", true));
  REQUIRE(kinds(events) == std::vector{Kind::kError, Kind::kSendNak});
  CHECK(events[0].error.code == Errc::kMalformed);
}

TEST_CASE("Receiver: repeated frame (our ACK lost) -> ACK again, not delivered twice") {
  Receiver r;
  (void)feed_byte(r, kEnq);
  CHECK(kinds(feed(r, make_frame(1, "L|1|N\r", true))) ==
        std::vector{Kind::kRecord, Kind::kSendAck});
  CHECK(kinds(feed(r, make_frame(1, "L|1|N\r", true))) == std::vector{Kind::kSendAck});
  CHECK(kinds(feed(r, make_frame(2, "L|1|N\r", true))) ==
        std::vector{Kind::kRecord, Kind::kSendAck});
}

TEST_CASE("Receiver: garbage between frames -> one error per run, frames still accepted") {
  Receiver r;
  (void)feed_byte(r, kEnq);
  auto bytes = test::bytes_of("xyz");
  auto frame = make_frame(1, "L|1|N\r", true);
  bytes.insert(bytes.end(), frame.begin(), frame.end());
  auto events = r.feed(bytes);
  REQUIRE(kinds(events) == std::vector{Kind::kError, Kind::kRecord, Kind::kSendAck});
  CHECK(events[0].error.offset == 0);
}

TEST_CASE("Receiver: garbage while idle -> error, no reply") {
  Receiver r;
  CHECK(kinds(feed(r, test::bytes_of("noise"))) == std::vector{Kind::kError});
  CHECK_FALSE(r.in_transfer());
}

TEST_CASE("Receiver: frame without ENQ -> ignored as garbage, no ACK") {
  Receiver r;
  CHECK(kinds(feed(r, make_frame(1, "L|1|N\r", true))) == std::vector{Kind::kError});
}

TEST_CASE("Receiver: EOT -> end of transfer and idle") {
  Receiver r;
  (void)feed_byte(r, kEnq);
  CHECK(kinds(feed_byte(r, kEot)) == std::vector{Kind::kEndOfTransfer});
  CHECK_FALSE(r.in_transfer());
}

TEST_CASE("Receiver: EOT after an ETB frame -> error then end of transfer") {
  Receiver r;
  (void)feed_byte(r, kEnq);
  (void)feed(r, make_frame(1, "R|1|", false));
  CHECK(kinds(feed_byte(r, kEot)) == std::vector{Kind::kError, Kind::kEndOfTransfer});
}

TEST_CASE("Receiver: frame cut short by EOT -> truncated error, NAK, end of transfer") {
  Receiver r;
  (void)feed_byte(r, kEnq);
  auto frame = make_frame(1, "L|1|N\r", true);
  frame.resize(5);
  frame.push_back(kEot);
  auto events = r.feed(frame);
  REQUIRE(kinds(events) == std::vector{Kind::kError, Kind::kSendNak, Kind::kEndOfTransfer});
  CHECK(events[0].error.code == Errc::kTruncated);
}

TEST_CASE("Receiver: frame split across feed calls at every byte -> same events") {
  const auto frame = make_frame(1, "L|1|N\r", true);
  for (std::size_t cut = 1; cut < frame.size(); ++cut) {
    CAPTURE(cut);
    Receiver r;
    (void)feed_byte(r, kEnq);
    CHECK(r.feed(std::span(frame).first(cut)).empty());
    CHECK(kinds(r.feed(std::span(frame).subspan(cut))) ==
          std::vector{Kind::kRecord, Kind::kSendAck});
  }
}

TEST_CASE("Receiver: ENQ during a transfer (sender restarted) -> ACK, numbering from 1") {
  Receiver r;
  (void)feed_byte(r, kEnq);
  (void)feed(r, make_frame(1, "H|\\^&\r", true));
  CHECK(kinds(feed_byte(r, kEnq)) == std::vector{Kind::kSendAck});
  CHECK(kinds(feed(r, make_frame(1, "H|\\^&\r", true))) ==
        std::vector{Kind::kRecord, Kind::kSendAck});
}

TEST_CASE("Receiver: over-long frame without LF -> error and NAK") {
  Receiver r;
  (void)feed_byte(r, kEnq);
  std::vector<std::uint8_t> bytes{kStx, '1'};
  bytes.resize(kMaxAcceptedFrameBytes + 1, 'A');
  auto events = r.feed(bytes);
  REQUIRE(kinds(events) == std::vector{Kind::kError, Kind::kSendNak});
  CHECK(events[0].error.code == Errc::kMalformed);
}

// A frame over the accepted size as a sender would send it, text `fill` repeated.
std::vector<std::uint8_t> oversize_frame(char fill) {
  std::vector<std::uint8_t> bytes{kStx, '1'};
  bytes.resize(kMaxAcceptedFrameText + 100, static_cast<std::uint8_t>(fill));
  for (std::uint8_t b : {kEtx, std::uint8_t{'0'}, std::uint8_t{'0'}, kCr, kLf}) bytes.push_back(b);
  return bytes;
}

std::size_t abandoned(const std::vector<ReceiverEvent>& events) {
  return static_cast<std::size_t>(std::count_if(
      events.begin(), events.end(), [](const auto& e) { return e.kind == Kind::kFrameAbandoned; }));
}

TEST_CASE(
    "Receiver: a frame over 16 KiB NAKed 6 times, then EOT -> one kFrameAbandoned (issue 13), "
    "the meter's later retry of the same frame -> not again, another long frame -> again") {
  Receiver r;
  std::size_t reported = 0;
  auto transfer = [&](char fill, bool ends_with_enq = false) {
    reported += abandoned(feed_byte(r, kEnq));
    for (int attempt = 0; attempt < 6; ++attempt) {
      auto events = r.feed(oversize_frame(fill));
      CHECK(std::count_if(events.begin(), events.end(),
                          [](const auto& e) { return e.kind == Kind::kSendNak; }) == 1);
      reported += abandoned(events);
    }
    if (!ends_with_enq) reported += abandoned(feed_byte(r, kEot));
  };
  transfer('A');
  CHECK(reported == 1);
  transfer('A');
  CHECK(reported == 1);  // the same frame again: already reported
  transfer('B', true);   // another frame; the sender restarts with ENQ instead of EOT
  reported += abandoned(feed_byte(r, kEnq));
  CHECK(reported == 2);
  auto last = feed_byte(r, kEot);
  CHECK(abandoned(last) == 0);
}

TEST_CASE(
    "Receiver: a long frame NAKed, then the sender goes on with a good frame -> not "
    "abandoned, silence after a long frame -> abandoned at the timeout") {
  Receiver r;
  (void)feed_byte(r, kEnq);
  (void)r.feed(oversize_frame('A'));
  CHECK(abandoned(feed(r, make_frame(1, "H|\\^&\r", true))) == 0);
  CHECK(abandoned(feed_byte(r, kEot)) == 0);
  (void)feed_byte(r, kEnq);
  (void)r.feed(oversize_frame('C'));
  auto events = r.on_timeout();
  REQUIRE(abandoned(events) == 1);
  CHECK(events[0].error.code == Errc::kUnsupported);
}

TEST_CASE("Receiver: timeout during a transfer (§6.5.2) -> error and idle") {
  Receiver r;
  (void)feed_byte(r, kEnq);
  CHECK(kinds(r.on_timeout()) == std::vector{Kind::kError});
  CHECK_FALSE(r.in_transfer());
  CHECK(r.on_timeout().empty());
}

TEST_CASE("Receiver: refuse_last_frame after an ETB then ETX frame -> NAK, repeat re-delivers") {
  Receiver r;
  (void)feed_byte(r, kEnq);
  CHECK(kinds(feed(r, make_frame(1, "R|1|^^^SY", false))) == std::vector{Kind::kSendAck});
  auto done = feed(r, make_frame(2, "S|182\r", true));
  REQUIRE(kinds(done) == std::vector{Kind::kRecord, Kind::kSendAck});
  CHECK(kinds(r.refuse_last_frame()) == std::vector{Kind::kSendNak});
  CHECK(r.refuse_last_frame().empty());  // only once per frame
  auto again = feed(r, make_frame(2, "S|182\r", true));
  REQUIRE(kinds(again) == std::vector{Kind::kRecord, Kind::kSendAck});
  CHECK(again[0].text == done[0].text);
}

TEST_CASE("Receiver: refuse_last_frame with no frame pending -> nothing") {
  Receiver r;
  CHECK(r.refuse_last_frame().empty());
  (void)feed_byte(r, kEnq);
  CHECK(r.refuse_last_frame().empty());
  (void)feed(r, make_frame(1, "H|\\^&\r", true));
  (void)feed_byte(r, kEot);
  CHECK(r.refuse_last_frame().empty());
}

}  // namespace
}  // namespace kotona::drivers::astm
