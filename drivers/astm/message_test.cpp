#include "drivers/astm/message.h"

#include <doctest/doctest.h>

namespace kotona::drivers::astm {
namespace {

using namespace std::chrono;

TEST_CASE("parse_time: YYYYMMDDHHMMSS -> UTC seconds; invalid or wrong length -> nullopt") {
  CHECK(parse_time("20261122101500") == sys_days{2026y / 11 / 22} + 10h + 15min);
  for (const char* bad : {"", "2026112210150", "20261322101500", "20260230101500", "20261122241500",
                          "2026112210150x"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_time(bad).has_value());
  }
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

TEST_CASE("parse_identity: H.5 components with the driver name; bad serial -> kMalformed") {
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
