#include "core/reading.h"

#include <doctest/doctest.h>

using namespace kotona;
using namespace std::chrono;

namespace {
Reading sample() {
  Reading r;
  r.device.serial = DeviceSerial{"BP123"};
  r.record_id = "42";
  r.device_time = sys_seconds{seconds{1'790'000'000}};
  r.hub_time = HubTime{milliseconds{1'790'000'000'500}};
  r.measurement = BloodPressure{182, 112, std::nullopt, 71};
  return r;
}
}  // namespace

TEST_CASE("make_reading_uid: same device-native fields -> same uid") {
  Reading a = sample();
  Reading b = sample();
  b.hub_time += hours{5};  // re-sent later: hub time must not matter
  CHECK(make_reading_uid(GatewayId{"gw-1"}, a) == make_reading_uid(GatewayId{"gw-1"}, b));
  CHECK(make_reading_uid(GatewayId{"gw-1"}, a).value == "gw-1/BP123/r42/bp");
}

TEST_CASE("make_reading_uid: other gateway, serial, record or kind -> other uid") {
  Reading a = sample();
  ReadingUid base = make_reading_uid(GatewayId{"gw-1"}, a);
  CHECK(make_reading_uid(GatewayId{"gw-2"}, a) != base);
  Reading b = sample();
  b.device.serial = DeviceSerial{"BP124"};
  CHECK(make_reading_uid(GatewayId{"gw-1"}, b) != base);
  Reading c = sample();
  c.record_id = "43";
  CHECK(make_reading_uid(GatewayId{"gw-1"}, c) != base);
  Reading d = sample();
  d.measurement = Glucose{5.5};
  CHECK(make_reading_uid(GatewayId{"gw-1"}, d) != base);
}

TEST_CASE("make_reading_uid: no record id -> raw device time identifies the record") {
  Reading a = sample();
  a.record_id.clear();
  CHECK(make_reading_uid(GatewayId{"gw-1"}, a).value == "gw-1/BP123/t1790000000/bp");
}

TEST_CASE("finalize_reading: device clock years off -> flagged, offset kept, not dropped") {
  Reading r = sample();
  r.device_time = *r.device_time - years{3};
  finalize_reading(GatewayId{"gw-1"}, r);
  CHECK(r.quality.clock_suspect);
  REQUIRE(r.clock_offset);
  CHECK(*r.clock_offset < -hours{24 * 365 * 2});
  CHECK(r.gateway == GatewayId{"gw-1"});
  CHECK_FALSE(r.uid.empty());
}

TEST_CASE("finalize_reading: device clock within tolerance -> not flagged") {
  Reading r = sample();
  finalize_reading(GatewayId{"gw-1"}, r);
  CHECK_FALSE(r.quality.clock_suspect);
  CHECK(*r.clock_offset == seconds{0});
}

TEST_CASE("is_valid_id_text: topic-unsafe characters -> rejected") {
  CHECK(is_valid_id_text("gw-0001"));
  CHECK_FALSE(is_valid_id_text(""));
  CHECK_FALSE(is_valid_id_text("gw/1"));
  CHECK_FALSE(is_valid_id_text("gw+1"));
  CHECK_FALSE(is_valid_id_text("gw#"));
  CHECK_FALSE(is_valid_id_text(std::string(65, 'a')));
}

TEST_CASE("finalize_reading: old record from a memory dump with driver offset 0 -> not suspect") {
  Reading r = sample();
  r.device_time = *r.device_time - days{30};  // measured a month ago
  r.clock_offset = seconds{0};                // the device's clock is right now
  finalize_reading(GatewayId{"gw-1"}, r);
  CHECK_FALSE(r.quality.clock_suspect);
  CHECK(*r.clock_offset == seconds{0});
}
