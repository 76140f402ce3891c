#include "drivers/astm_bp/session.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "drivers/astm/frame.h"
#include "drivers/astm/test_frames.h"

namespace kotona::drivers::astm_bp {
namespace {

using namespace std::chrono;
using astm::test::make_frame;

const HubTime kHubTime{sys_days{2026y / 11 / 22} + 10h + 16min};
const std::string kH = "H|\\^&|||Acme^BP-1^SN123^1.0|||||||P|LIS2-A2|20261122101600\r";
const std::vector<std::string> kGood = {kH,
                                        "P|1\r",
                                        "O|1|42||^^^BP|||20261122101500\r",
                                        "R|1|^^^SYS|182|mmHg||H||F\r",
                                        "R|2|^^^DIA|112|mmHg||H||F\r",
                                        "R|3|^^^PULSE|71|/min||N||F\r",
                                        "L|1|N\r"};

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

const Bytes kAck{astm::kAck};
const Bytes kNak{astm::kNak};

TEST_CASE("astm_bp session: start and empty input -> nothing to do, no timer") {
  Session s;
  Step start = s.start();
  CHECK(start.commands.empty());
  CHECK_FALSE(start.timer.has_value());
  Step step = feed(s, {});
  CHECK(step.commands.empty());
  CHECK(step.readings.empty());
  CHECK(step.rejected.empty());
}

TEST_CASE(
    "astm_bp session: frame by frame -> ACK each, L frame -> reading and its ACK in one Step") {
  Session s;
  CHECK(writes(feed(s, {astm::kEnq})) == std::vector<Bytes>{kAck});
  for (std::size_t i = 0; i + 1 < kGood.size(); ++i) {
    Step step = feed(s, make_frame(static_cast<int>((i + 1) % 8), kGood[i], true));
    CHECK(writes(step) == std::vector<Bytes>{kAck});
    CHECK(step.readings.empty());
    CHECK(step.timer == milliseconds(30000));
  }
  Step last = feed(s, make_frame(7, kGood.back(), true));
  CHECK(writes(last) == std::vector<Bytes>{kAck});
  REQUIRE(last.readings.size() == 1);
  const Reading& r = last.readings[0];
  CHECK(r.hub_time == kHubTime);
  CHECK(r.record_id == "42");
  CHECK(r.device.serial.value == "SN123");
  CHECK(r.uid.empty());
  CHECK(std::get<BloodPressure>(r.measurement) == BloodPressure{182, 112, std::nullopt, 71});
  CHECK(r.clock_offset == seconds(0));  // H.14 equals the hub time: the device clock is right
  Step eot = feed(s, {astm::kEot});
  CHECK(eot.commands.empty());
  CHECK_FALSE(eot.timer.has_value());
}

TEST_CASE(
    "astm_bp session: device clock (H.14) two years behind -> offset from H.14, not from O.8") {
  Session s;
  std::vector<std::string> records = kGood;
  records[0] = "H|\\^&|||Acme^BP-1^SN123^1.0|||||||P|LIS2-A2|20241122101600\r";
  records[2] = "O|1|42||^^^BP|||20241001080000\r";  // an old record from memory
  (void)feed(s, {astm::kEnq});
  Step last;
  for (std::size_t i = 0; i < records.size(); ++i) {
    last = feed(s, make_frame(static_cast<int>((i + 1) % 8), records[i], true));
  }
  REQUIRE(last.readings.size() == 1);
  const auto offset = last.readings[0].clock_offset;
  REQUIRE(offset.has_value());
  CHECK(*offset == -duration_cast<seconds>(sys_days{2026y / 11 / 22} - sys_days{2024y / 11 / 22}));
}

TEST_CASE("astm_bp session: testdata/message_good.hex in one read -> one reading, 9 ACKs") {
  Session s;
  Step step = feed(s, testdata("message_good.hex"));
  CHECK(step.readings.size() == 1);
  CHECK(step.rejected.empty());
  CHECK(writes(step) == std::vector<Bytes>(8, kAck));
}

TEST_CASE("astm_bp session: truncated frame -> no reply until the rest arrives") {
  Session s;
  (void)feed(s, {astm::kEnq});
  const Bytes frame = make_frame(1, kH, true);
  Step first = feed(s, Bytes(frame.begin(), frame.begin() + 10));
  CHECK(first.commands.empty());
  CHECK(first.timer == milliseconds(30000));
  Step rest = feed(s, Bytes(frame.begin() + 10, frame.end()));
  CHECK(writes(rest) == std::vector<Bytes>{kAck});
}

TEST_CASE(
    "astm_bp session: bad checksum on L frame -> NAK, no reading, resent frame -> reading once") {
  Session s;
  (void)feed(s, {astm::kEnq});
  for (std::size_t i = 0; i + 1 < kGood.size(); ++i) {
    (void)feed(s, make_frame(static_cast<int>(i + 1), kGood[i], true));
  }
  Bytes bad = make_frame(7, kGood.back(), true);
  bad[bad.size() - 4] = bad[bad.size() - 4] == '0' ? '1' : '0';
  Step nak = feed(s, bad);
  CHECK(writes(nak) == std::vector<Bytes>{kNak});
  CHECK(nak.readings.empty());
  REQUIRE(nak.rejected.size() == 1);
  CHECK(nak.rejected[0].code == Errc::kChecksum);
  Step good = feed(s, make_frame(7, kGood.back(), true));
  CHECK(writes(good) == std::vector<Bytes>{kAck});
  CHECK(good.readings.size() == 1);
  Step again = feed(s, make_frame(7, kGood.back(), true));  // our ACK was lost
  CHECK(writes(again) == std::vector<Bytes>{kAck});
  CHECK(again.readings.empty());
}

TEST_CASE("astm_bp session: garbage then good message -> rejected garbage and the reading") {
  Session s;
  Step step = feed(s, testdata("garbage_then_message.hex"));
  CHECK(step.readings.size() == 1);
  REQUIRE(step.rejected.size() == 1);
  CHECK(step.rejected[0].code == Errc::kMalformed);
}

TEST_CASE("astm_bp session: two O blocks in one message -> two readings") {
  Session s;
  Step step = feed(s, testdata("message_two_readings.hex"));
  REQUIRE(step.readings.size() == 2);
  CHECK(step.readings[0].record_id == "42");
  CHECK(step.readings[1].record_id == "43");
  CHECK(std::get<BloodPressure>(step.readings[1].measurement).systolic_mmhg == 120);
}

TEST_CASE("astm_bp session: kPa message -> mmHg reading") {
  Session s;
  Step step = feed(s, testdata("message_kpa.hex"));
  REQUIRE(step.readings.size() == 1);
  const auto& bp = std::get<BloodPressure>(step.readings[0].measurement);
  CHECK(bp.systolic_mmhg == doctest::Approx(182.0));
  CHECK(bp.diastolic_mmhg == doctest::Approx(112.0));
}

TEST_CASE("astm_bp session: block missing DIA -> rejected, the other block's reading delivered") {
  Session s;
  Step step = feed(s, testdata("message_missing_dia.hex"));
  REQUIRE(step.readings.size() == 1);
  CHECK(step.readings[0].record_id == "42");
  REQUIRE(step.rejected.size() == 1);
  CHECK(step.rejected[0].detail.find("O record 41: no DIA") != std::string::npos);
}

TEST_CASE("astm_bp session: IHB comment -> irregular_pulse flag") {
  Session s;
  Step step = feed(s, testdata("message_irregular_pulse.hex"));
  REQUIRE(step.readings.size() == 1);
  CHECK(step.readings[0].quality.irregular_pulse);
}

TEST_CASE("astm_bp session: EOT before L -> message dropped as truncated, later message fine") {
  Session s;
  (void)feed(s, {astm::kEnq});
  (void)feed(s, make_frame(1, kH, true));
  Step eot = feed(s, {astm::kEot});
  REQUIRE(eot.rejected.size() == 1);
  CHECK(eot.rejected[0].code == Errc::kTruncated);
  CHECK(feed(s, testdata("message_good.hex")).readings.size() == 1);
}

TEST_CASE("astm_bp session: transfer stalls, timer fires -> idle, rejected, no timer") {
  Session s;
  (void)feed(s, {astm::kEnq});
  (void)feed(s, make_frame(1, kH, true));
  Step timeout = s.on_timer();
  CHECK_FALSE(timeout.rejected.empty());
  CHECK_FALSE(timeout.timer.has_value());
  // A frame now is not part of any transfer: ignored, not ACKed.
  Step late = feed(s, make_frame(2, "P|1\r", true));
  CHECK(late.commands.empty());
}

TEST_CASE("astm_bp session: GATT input -> kUnsupported error") {
  Session s;
  auto step = s.on_input(Input{kHubTime, GattValue{0x2A35, {1, 2}}});
  REQUIRE_FALSE(step.has_value());
  CHECK(step.error().code == Errc::kUnsupported);
}

TEST_CASE("astm_bp session: Disconnected mid-message -> idle, message dropped") {
  Session s;
  (void)feed(s, {astm::kEnq});
  (void)feed(s, make_frame(1, kH, true));
  auto step = s.on_input(Input{kHubTime, Disconnected{}});
  REQUIRE(step.has_value());
  CHECK(step->rejected.size() == 1);
  CHECK_FALSE(step->timer.has_value());
}

TEST_CASE("astm_bp session: record before H -> rejected, ACKed (frame itself was good)") {
  Session s;
  (void)feed(s, {astm::kEnq});
  Step step = feed(s, make_frame(1, "P|1\r", true));
  CHECK(writes(step) == std::vector<Bytes>{kAck});
  CHECK(step.rejected.size() == 1);
}

}  // namespace
}  // namespace kotona::drivers::astm_bp
