#include "drivers/ble_weight/session.h"

#include <doctest/doctest.h>

#include "drivers/gatt/test_support.h"

namespace kotona::drivers::ble_weight {
namespace {

using namespace std::chrono;
using gatt::test::commands;
using gatt::test::feed;
using gatt::test::identify;
namespace gu = gatt::uuid;

const HubTime kHub{sys_days{2026y / 11 / 22} + 10h + 16min};
const DeviceTime kDeviceNow = floor<seconds>(kHub);
// 75 kg, 2026-11-22 07:30, user 3.
const Bytes kWeight{0x06, 0x98, 0x3A, 0xEA, 0x07, 11, 22, 7, 30, 0, 3};

Session make() { return Session(SessionContext{"AA:BB:CC:DD:EE:04"}); }

TEST_CASE("ble_weight session: ready -> subscribe 2A9D, value -> reading per user") {
  Session s = make();
  (void)s.start();
  CHECK(commands(identify(s, kHub, "WS1", kDeviceNow)) ==
        std::vector<std::string>{"subscribe 2A9D"});
  const Step step = feed(s, kHub, gu::kWeightMeasurement, kWeight);
  REQUIRE(step.readings.size() == 1);
  CHECK(std::get<Weight>(step.readings[0].measurement).kg == 75.0);
  CHECK(step.readings[0].device.serial.value == "WS1.u3");
  CHECK(step.readings[0].device_time == DeviceTime{sys_days{2026y / 11 / 22} + 7h + 30min});
}

TEST_CASE(
    "ble_weight session: unsuccessful or truncated measurement -> rejected and reported as a "
    "refused record (issue 13), next one a reading") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, "WS1", kDeviceNow);
  const Step bad = feed(s, kHub, gu::kWeightMeasurement, Bytes{0x00, 0xFF, 0xFF});
  CHECK(bad.readings.empty());
  REQUIRE(bad.rejected.size() == 1);
  CHECK(bad.rejected[0].detail == "weight: measurement unsuccessful");
  REQUIRE(bad.refused_records.size() == 1);
  CHECK(bad.refused_records[0].code == Errc::kOutOfRange);
  Bytes cut = kWeight;
  cut.pop_back();
  const Step truncated = feed(s, kHub, gu::kWeightMeasurement, cut);
  REQUIRE(truncated.refused_records.size() == 1);
  CHECK(truncated.refused_records[0].code == Errc::kTruncated);
  CHECK(feed(s, kHub, gu::kWeightMeasurement, kWeight).readings.size() == 1);
}

TEST_CASE("ble_weight session: clock 3 h off -> set once quiet, 2A9D missing -> rejected") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, "WS1", kDeviceNow + 3h);
  const Step step = feed(s, kHub, gu::kWeightMeasurement, kWeight);
  CHECK(step.readings[0].clock_offset == hours{3});
  CHECK(commands(s.on_timer()).size() == 1);
  CHECK(gatt::test::feed_failed(s, kHub, gu::kWeightMeasurement).rejected.size() == 1);
}

}  // namespace
}  // namespace kotona::drivers::ble_weight
