#include "drivers/astm/message.h"

#include <doctest/doctest.h>

namespace kotona::drivers::astm {
namespace {

using namespace std::chrono;

TEST_CASE("parse_timestamp: YYYYMMDD[HH[MM[SS]]] -> UTC time and the precision sent") {
  const auto day = sys_days{2024y / 3 / 15};
  CHECK(parse_timestamp("20240315082517") == Timestamp{day + 8h + 25min + 17s});
  CHECK(parse_timestamp("202403150825") == Timestamp{day + 8h + 25min, TimePrecision::kMinute});
  CHECK(parse_timestamp("2024031508") == Timestamp{day + 8h, TimePrecision::kHour});
  CHECK(parse_timestamp("20240315") == Timestamp{day, TimePrecision::kDay});
  CHECK(parse_time("202403150825") == day + 8h + 25min);
  for (const char* bad :
       {"", "2024031", "202403150", "20240315082", "2024031508251", "202403150825170", "20241315",
        "20240230", "2024031524", "202403150860", "20240315082560", "2024031508251x", "+0240315"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_timestamp(bad).has_value());
    CHECK_FALSE(parse_time(bad).has_value());
  }
}

TEST_CASE("set_device_time: time and precision onto the reading, empty -> none, bad -> false") {
  Reading r;
  CHECK(set_device_time("", r));
  CHECK_FALSE(r.device_time.has_value());
  CHECK_FALSE(set_device_time("20240315082", r));
  CHECK_FALSE(r.device_time.has_value());
  REQUIRE(set_device_time("202403150825", r));
  CHECK(r.device_time == sys_days{2024y / 3 / 15} + 8h + 25min);
  CHECK(r.quality.device_time_precision == TimePrecision::kMinute);
}

TEST_CASE("parse_number: digits and one point only") {
  CHECK(parse_number("2.6") == 2.6);
  CHECK(parse_number("31") == 31);
  for (const char* bad : {"", ".", "-1", "1e3", "2.6.1", " 2", "nan"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_number(bad).has_value());
  }
}

TEST_CASE("split_records: CR separated, LF after CR tolerated, empty records dropped") {
  const auto lines = split_records("H|x\r\nP|1\r\r\nL|1\r");
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].text == "H|x");
  CHECK(lines[1].text == "P|1");
  CHECK(lines[1].offset == 5);
  CHECK(lines[2].text == "L|1");
}

TEST_CASE("parse_identity: H.5 components with the driver name, bad serial -> kMalformed") {
  auto h = parse_record("H|\\^&|||Acme^INR-1^SN1^2.0", Delimiters{});
  REQUIRE(h.has_value());
  auto id = parse_identity(*h, "astm_inr");
  REQUIRE(id.has_value());
  CHECK(*id == DeviceIdentity{"Acme", "INR-1", DeviceSerial{"SN1"}, "2.0", "astm_inr"});
  auto bad = parse_record("H|\\^&|||Acme^INR-1^S/N^2.0", Delimiters{});
  REQUIRE(bad.has_value());
  CHECK(parse_identity(*bad, "astm_inr").error().code == Errc::kMalformed);
}

}  // namespace
}  // namespace kotona::drivers::astm
