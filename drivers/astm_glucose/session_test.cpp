#include "drivers/astm_glucose/session.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "drivers/astm/frame.h"
#include "drivers/astm/test_frames.h"

namespace kotona::drivers::astm_glucose {
namespace {

using namespace std::chrono;
using astm::test::make_frame;

const HubTime kHubTime{sys_days{2026y / 11 / 22} + 10h + 16min};
const Bytes kAck{astm::kAck};

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

TEST_CASE("astm_glucose session: start -> no commands, no timer") {
  Session s;
  CHECK(s.start().commands.empty());
}

TEST_CASE("astm_glucose session: message_mgdl.hex -> 5.4 mmol/L before meal, ACK per frame") {
  Session s;
  Step step = feed(s, testdata("message_mgdl.hex"));
  CHECK(step.rejected.empty());
  CHECK(writes(step) == std::vector<Bytes>(7, kAck));
  REQUIRE(step.readings.size() == 1);
  const Reading& r = step.readings[0];
  CHECK(r.hub_time == kHubTime);
  CHECK(r.clock_offset == seconds(0));
  CHECK(r.device.driver == "astm_glucose");
  CHECK(std::get<Glucose>(r.measurement) == Glucose{5.4, MealMarker::kPreprandial});
}

TEST_CASE("astm_glucose session: record split over ETB frames -> joined, one reading") {
  Session s;
  Step step = feed(s, testdata("message_etb_split.hex"));
  CHECK(step.rejected.empty());
  CHECK(step.readings.size() == 1);
}

TEST_CASE("astm_glucose session: control block -> flagged, patient block not") {
  Session s;
  Step step = feed(s, testdata("message_control.hex"));
  REQUIRE(step.readings.size() == 2);
  CHECK(step.readings[0].quality.control_result);
  CHECK_FALSE(step.readings[1].quality.control_result);
  CHECK(std::get<Glucose>(step.readings[1].measurement) == Glucose{2.6, MealMarker::kFasting});
}

TEST_CASE("astm_glucose session: L frame -> reading with its ACK, repeated L -> not twice") {
  Session s;
  const std::vector<std::string> records = {
      "H|\\^&|||Acme^GLU-1^SN1^1|||||||P|LIS2-A2|20261122101600\r", "O|1|7||^^^GLU\r",
      "R|1|^^^GLU|5.4|mmol/L\r", "L|1|N\r"};
  (void)feed(s, {astm::kEnq});
  for (std::size_t i = 0; i + 1 < records.size(); ++i) {
    CHECK(feed(s, make_frame(static_cast<int>(i + 1), records[i], true)).readings.empty());
  }
  Step last = feed(s, make_frame(4, records.back(), true));
  CHECK(writes(last) == std::vector<Bytes>{kAck});
  CHECK(last.readings.size() == 1);
  CHECK(feed(s, make_frame(4, records.back(), true)).readings.empty());
}

TEST_CASE("astm_glucose session: missing unit -> rejected, beyond range -> passed on (issue 13)") {
  Session s;
  Step unit = feed(s, testdata("message_missing_unit.hex"));
  CHECK(unit.readings.empty());
  CHECK(unit.rejected.at(0).code == Errc::kMalformed);
  // The meter was ACKed: a record the hub must report as refused (issue 13, invariant 13).
  REQUIRE(unit.refused_records.size() == 1);
  CHECK(unit.refused_records[0].code == Errc::kMalformed);
  Step range = feed(s, testdata("message_out_of_range.hex"));
  CHECK(range.readings.size() == 2);
  CHECK(range.rejected.empty());
  CHECK(range.refused_records.empty());
}

TEST_CASE("astm_glucose session: stall -> timer rejects and idles, GATT -> kUnsupported") {
  Session s;
  (void)feed(s, {astm::kEnq});
  CHECK(feed(s, make_frame(1, "H|\\^&|||A^B^SN1^1\r", true)).timer == milliseconds(30000));
  Step timeout = s.on_timer();
  CHECK_FALSE(timeout.rejected.empty());
  CHECK_FALSE(timeout.timer.has_value());
  auto gatt = s.on_input(Input{kHubTime, GattValue{0x2A18, {1}}});
  REQUIRE_FALSE(gatt.has_value());
  CHECK(gatt.error().code == Errc::kUnsupported);
}

}  // namespace
}  // namespace kotona::drivers::astm_glucose
