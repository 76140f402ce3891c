#include "drivers/astm_inr/session.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "drivers/astm/frame.h"
#include "drivers/astm/test_frames.h"

namespace kotona::drivers::astm_inr {
namespace {

using namespace std::chrono;
using astm::test::make_frame;

const HubTime kHubTime{sys_days{2026y / 11 / 22} + 10h + 16min};
const Bytes kAck{astm::kAck};
const Bytes kNak{astm::kNak};

Step feed(Session& s, const Bytes& bytes) {
  auto step = s.on_input(Input{kHubTime, SerialBytes{bytes}});
  REQUIRE(step.has_value());
  return std::move(step).value();
}

Bytes testdata(const std::string& name) {
  std::ifstream in("testdata/" + name);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  auto bytes = astm::test::parse_hex(text.str());
  REQUIRE(bytes.has_value());
  return *bytes;
}

std::vector<Bytes> writes(const Step& step) {
  std::vector<Bytes> out;
  for (const auto& c : step.commands) out.push_back(std::get<SerialWrite>(c).bytes);
  return out;
}

TEST_CASE("astm_inr session: start -> no commands, no timer") {
  Session s;
  Step start = s.start();
  CHECK(start.commands.empty());
  CHECK_FALSE(start.timer.has_value());
}

TEST_CASE(
    "astm_inr session: message_good.hex -> one reading with hub time, offset 0, ACK each frame") {
  Session s;
  Step step = feed(s, testdata("message_good.hex"));
  CHECK(step.rejected.empty());
  CHECK(writes(step) == std::vector<Bytes>(8, kAck));
  REQUIRE(step.readings.size() == 1);
  const Reading& r = step.readings[0];
  CHECK(r.hub_time == kHubTime);
  CHECK(r.record_id == "42");
  CHECK(r.device.driver == "astm_inr");
  CHECK(r.clock_offset == seconds(0));
  CHECK(std::get<Inr>(r.measurement) == Inr{2.6, 31.2, std::string("287451")});
  CHECK_FALSE(step.timer.has_value());
}

TEST_CASE("astm_inr session: L frame -> reading and its ACK in the same Step") {
  Session s;
  const std::vector<std::string> records = {
      "H|\\^&|||Acme^INR-1^SN1^1|||||||P|LIS2-A2|20261122101600\r", "O|1|7||^^^INR\r",
      "R|1|^^^INR|2.6|INR\r", "L|1|N\r"};
  (void)feed(s, {astm::kEnq});
  for (std::size_t i = 0; i + 1 < records.size(); ++i) {
    Step step = feed(s, make_frame(static_cast<int>(i + 1), records[i], true));
    CHECK(step.readings.empty());
    CHECK(step.timer == milliseconds(30000));
  }
  Step last = feed(s, make_frame(4, records.back(), true));
  CHECK(writes(last) == std::vector<Bytes>{kAck});
  CHECK(last.readings.size() == 1);
}

TEST_CASE("astm_inr session: device clock two years behind -> clock_offset from H.14") {
  Session s;
  Step step = feed(s, testdata("message_clock_behind.hex"));
  REQUIRE(step.readings.size() == 1);
  CHECK(step.readings[0].clock_offset ==
        -duration_cast<seconds>(sys_days{2026y / 11 / 22} - sys_days{2024y / 11 / 22}));
}

TEST_CASE("astm_inr session: QC and patient blocks -> both emitted, only QC flagged") {
  Session s;
  Step step = feed(s, testdata("message_control.hex"));
  REQUIRE(step.readings.size() == 2);
  CHECK(step.readings[0].quality.control_result);
  CHECK(std::get<Inr>(step.readings[0].measurement).strip_lot == "287451");
  CHECK_FALSE(step.readings[1].quality.control_result);
}

TEST_CASE("astm_inr session: INR 12.5 beyond the meter's range -> passed on, not dropped") {
  Session s;
  Step step = feed(s, testdata("message_out_of_range.hex"));
  REQUIRE(step.readings.size() == 2);  // issue 13: the hub used to reject record 47
  CHECK(step.readings[0].record_id == "47");
  CHECK(std::get<Inr>(step.readings[0].measurement).ratio == 12.5);
  CHECK(step.readings[1].record_id == "48");
  CHECK(step.rejected.empty());
}

TEST_CASE("astm_inr session: bad checksum never resent, then EOT -> NAKs, message dropped") {
  Session s;
  Step step = feed(s, testdata("bad_checksum_then_eot.hex"));
  CHECK(step.readings.empty());
  REQUIRE_FALSE(step.rejected.empty());
  CHECK(step.rejected.front().code == Errc::kChecksum);
  CHECK(step.rejected.back().code == Errc::kTruncated);
  CHECK(feed(s, testdata("message_good.hex")).readings.size() == 1);  // next transfer fine
}

TEST_CASE("astm_inr session: repeated L frame (lost ACK) -> ACKed, not delivered twice") {
  Session s;
  Bytes bytes = testdata("message_good.hex");
  bytes.pop_back();  // EOT
  CHECK(feed(s, bytes).readings.size() == 1);
  const Bytes l_frame = make_frame(7, "L|1|N\r", true);
  Step again = feed(s, l_frame);
  CHECK(writes(again) == std::vector<Bytes>{kAck});
  CHECK(again.readings.empty());
}

TEST_CASE("astm_inr session: garbage then message -> one rejection and the reading") {
  Session s;
  Step step = feed(s, testdata("garbage_then_message.hex"));
  CHECK(step.readings.size() == 1);
  CHECK(step.rejected.size() == 1);
}

TEST_CASE("astm_inr session: stall, Disconnected, GATT input -> idle, rejected, kUnsupported") {
  Session s;
  (void)feed(s, {astm::kEnq});
  (void)feed(s, make_frame(1, "H|\\^&|||A^B^SN1^1\r", true));
  Step timeout = s.on_timer();
  CHECK_FALSE(timeout.rejected.empty());
  CHECK_FALSE(timeout.timer.has_value());
  (void)feed(s, {astm::kEnq});
  (void)feed(s, make_frame(1, "H|\\^&|||A^B^SN1^1\r", true));
  auto gone = s.on_input(Input{kHubTime, Disconnected{}});
  REQUIRE(gone.has_value());
  CHECK(gone->rejected.size() == 1);
  auto gatt = s.on_input(Input{kHubTime, GattValue{0x2A18, {1}}});
  REQUIRE_FALSE(gatt.has_value());
  CHECK(gatt.error().code == Errc::kUnsupported);
}

}  // namespace
}  // namespace kotona::drivers::astm_inr
