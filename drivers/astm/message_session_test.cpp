// MessageSession with a stand-in parse function: what the session does around the driver's
// decoding (issue 22: the gateway could not store a message's readings).
#include "drivers/astm/message_session.h"

#include <doctest/doctest.h>

#include "drivers/astm/test_frames.h"

namespace kotona::drivers::astm {
namespace {

using test::bytes_of;
using test::make_frame;

const HubTime kHubTime{std::chrono::sys_days{std::chrono::year{2026} / 11 / 22}};

// Any H ... L message -> one weight reading (the real layouts are the drivers' business).
Result<Message> parse_any(std::span<const std::uint8_t>) {
  Message m;
  Reading r;
  r.record_id = "1";
  r.measurement = Weight{70};
  m.readings.push_back(r);
  return m;
}

Step feed(MessageSession& s, const std::vector<std::uint8_t>& bytes) {
  auto step = s.on_input(Input{kHubTime, SerialBytes{bytes}});
  REQUIRE(step.has_value());
  return std::move(step).value();
}

std::vector<Bytes> writes(const Step& step) {
  std::vector<Bytes> out;
  for (const auto& c : step.commands) out.push_back(std::get<SerialWrite>(c).bytes);
  return out;
}

const Bytes kAckByte{kAck};
const Bytes kNakByte{kNak};

}  // namespace

TEST_CASE("MessageSession: commit failed -> NAK at once, the repeated L frame -> readings again") {
  MessageSession s("test", &parse_any);
  feed(s, {kEnq});
  CHECK(writes(feed(s, make_frame(1, "H|\\^&\r", true))) == std::vector<Bytes>{kAckByte});
  CHECK(writes(feed(s, make_frame(2, "P|1\r", true))) == std::vector<Bytes>{kAckByte});
  Step last = feed(s, make_frame(3, "L|1|N\r", true));
  REQUIRE(last.readings.size() == 1);
  CHECK(writes(last) == std::vector<Bytes>{kAckByte});  // withheld by the gateway: not stored
  auto refused = s.on_input(Input{kHubTime, CommitFailed{}});
  REQUIRE(refused.has_value());
  CHECK(writes(*refused) == std::vector<Bytes>{kNakByte});
  CHECK(refused->readings.empty());
  // LIS01-A2 §6.3.3: the sender repeats the NAKed frame with the same number.
  Step again = feed(s, make_frame(3, "L|1|N\r", true));
  CHECK(again.readings.size() == 1);
  CHECK(again.rejected.empty());
  CHECK(writes(again) == std::vector<Bytes>{kAckByte});
  CHECK(writes(feed(s, {kEot})).empty());
}

TEST_CASE("MessageSession: commit failed, sender gives up with EOT -> nothing delivered, idle") {
  MessageSession s("test", &parse_any);
  feed(s, {kEnq});
  feed(s, make_frame(1, "H|\\^&\rP|1\rL|1|N\r", true));
  REQUIRE(s.on_input(Input{kHubTime, CommitFailed{}}).has_value());
  Step eot = feed(s, {kEot});
  CHECK(eot.readings.empty());
  CHECK_FALSE(eot.timer.has_value());
  // A later transfer of the same message is whole again.
  feed(s, {kEnq});
  CHECK(feed(s, make_frame(1, "H|\\^&\rP|1\rL|1|N\r", true)).readings.size() == 1);
}

TEST_CASE("MessageSession: commit failed without a pending message -> no command") {
  MessageSession s("test", &parse_any);
  auto step = s.on_input(Input{kHubTime, CommitFailed{}});
  REQUIRE(step.has_value());
  CHECK(step->commands.empty());
}

TEST_CASE(
    "MessageSession: a frame over 16 KiB NAKed until the meter gives up (EOT) -> one refused "
    "record, so a person hears of it (issue 13), its retry later -> not counted again") {
  MessageSession s("test", &parse_any);
  std::vector<std::uint8_t> frame{kStx, '1'};
  frame.resize(kMaxAcceptedFrameText + 10, 'R');
  for (std::uint8_t b : {kEtx, std::uint8_t{'0'}, std::uint8_t{'0'}, kCr, kLf}) frame.push_back(b);
  std::size_t refused = 0;
  for (int transfer = 0; transfer < 2; ++transfer) {
    feed(s, {kEnq});
    for (int attempt = 0; attempt < 6; ++attempt) {
      Step nak = feed(s, frame);
      CHECK(writes(nak) == std::vector<Bytes>{kNakByte});
      refused += nak.refused_records.size();
    }
    Step end = feed(s, {kEot});
    CHECK(end.readings.empty());
    refused += end.refused_records.size();
    if (transfer == 0) {
      REQUIRE(end.refused_records.size() == 1);
      CHECK(end.refused_records[0].code == Errc::kUnsupported);
    }
  }
  CHECK(refused == 1);
}

}  // namespace kotona::drivers::astm
