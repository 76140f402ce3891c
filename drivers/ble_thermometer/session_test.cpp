#include "drivers/ble_thermometer/session.h"

#include <doctest/doctest.h>

#include "drivers/gatt/test_support.h"

namespace kotona::drivers::ble_thermometer {
namespace {

using namespace std::chrono;
using gatt::test::commands;
using gatt::test::feed;
using gatt::test::identify;
namespace gu = gatt::uuid;

const HubTime kHub{sys_days{2026y / 11 / 22} + 10h + 16min};
const DeviceTime kDeviceNow = floor<seconds>(kHub);
// 37.2 Celsius with time stamp 2026-11-22 06:45.
const Bytes kTemp{0x02, 0x74, 0x01, 0x00, 0xFF, 0xEA, 0x07, 11, 22, 6, 45, 0};

Session make() { return Session(SessionContext{"AA:BB:CC:DD:EE:05"}); }

TEST_CASE("ble_thermometer session: ready -> subscriptions, measurement -> reading") {
  Session s = make();
  (void)s.start();
  CHECK(commands(identify(s, kHub, "TH1", kDeviceNow)) ==
        std::vector<std::string>{"subscribe 2A1C", "subscribe 2A1E"});
  const Step step = feed(s, kHub, gu::kTemperatureMeasurement, kTemp);
  REQUIRE(step.readings.size() == 1);
  CHECK(std::get<Temperature>(step.readings[0].measurement).celsius == 37.2);
  CHECK(step.readings[0].device_time == DeviceTime{sys_days{2026y / 11 / 22} + 6h + 45min});
}

TEST_CASE(
    "ble_thermometer session: intermediate -> never a reading nor a refused record, bad final "
    "-> rejected and reported as a refused record (issue 13)") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, "TH1", kDeviceNow);
  CHECK(feed(s, kHub, gu::kIntermediateTemperature, kTemp).readings.empty());
  CHECK(gatt::test::feed_failed(s, kHub, gu::kIntermediateTemperature).rejected.empty());
  const Step nan = feed(s, kHub, gu::kTemperatureMeasurement, Bytes{0x00, 0xFF, 0xFF, 0x7F, 0x00});
  REQUIRE(nan.rejected.size() == 1);
  CHECK(nan.rejected[0].detail == "temperature is NaN");
  CHECK(nan.refused_records.size() == 1);
  Bytes cut = kTemp;
  cut.pop_back();
  const Step live = feed(s, kHub, gu::kIntermediateTemperature, cut);
  CHECK(live.rejected.size() == 1);
  CHECK(live.refused_records.empty());
  const Step final_cut = feed(s, kHub, gu::kTemperatureMeasurement, cut);
  REQUIRE(final_cut.refused_records.size() == 1);
  CHECK(final_cut.refused_records[0].code == Errc::kTruncated);
  CHECK(feed(s, kHub, gu::kTemperatureMeasurement, kTemp).readings.size() == 1);
}

TEST_CASE("ble_thermometer session: clock wrong -> set once quiet") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, "TH1", kDeviceNow - 11min);
  (void)feed(s, kHub, gu::kTemperatureMeasurement, kTemp);
  CHECK(commands(s.on_timer()).size() == 1);
  CHECK(s.on_timer().commands.empty());
}

}  // namespace
}  // namespace kotona::drivers::ble_thermometer
