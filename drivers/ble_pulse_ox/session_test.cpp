#include "drivers/ble_pulse_ox/session.h"

#include <doctest/doctest.h>

#include "drivers/gatt/test_support.h"

namespace kotona::drivers::ble_pulse_ox {
namespace {

using namespace std::chrono;
using gatt::test::commands;
using gatt::test::feed;
using gatt::test::identify;
namespace gu = gatt::uuid;
using Strings = std::vector<std::string>;

const HubTime kHub{sys_days{2026y / 11 / 22} + 10h + 16min};
const DeviceTime kDeviceNow = floor<seconds>(kHub);
// Spot-check 97 % / 72 with time stamp 2026-11-22 10:15; continuous 95 % / 80.
const Bytes kSpot{0x01, 97, 0, 72, 0, 0xEA, 0x07, 11, 22, 10, 15, 0};
const Bytes kContinuous{0x00, 95, 0, 80, 0};

Session make() { return Session(SessionContext{"AA:BB:CC:DD:EE:03"}); }

TEST_CASE("ble_pulse_ox session: ready -> subscribe spot-check and continuous") {
  Session s = make();
  (void)s.start();
  const Step ready = identify(s, kHub, "PLX1", kDeviceNow);
  CHECK(commands(ready) == Strings{"subscribe 2A5E", "subscribe 2A5F"});
  CHECK(ready.timer == gatt::kMeasurementIdle);
}

TEST_CASE("ble_pulse_ox session: spot-check -> reading with device time and pulse") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, "PLX1", kDeviceNow);
  const Step step = feed(s, kHub, gu::kPlxSpotCheckMeasurement, kSpot);
  REQUIRE(step.readings.size() == 1);
  const Reading& r = step.readings[0];
  CHECK(std::get<Spo2>(r.measurement) == Spo2{97, 72});
  CHECK(r.device_time == DeviceTime{sys_days{2026y / 11 / 22} + 10h + 15min});
  CHECK(r.device.serial.value == "PLX1");
}

TEST_CASE("ble_pulse_ox session: continuous 1 Hz -> one reading per 60 s of hub time") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, "PLX1", kDeviceNow);
  std::size_t readings = 0;
  for (int i = 0; i < 180; ++i) {
    readings +=
        feed(s, kHub + seconds{i}, gu::kPlxContinuousMeasurement, kContinuous).readings.size();
  }
  CHECK(readings == 3);
}

TEST_CASE(
    "ble_pulse_ox session: invalid spot-check -> rejected and reported as a refused record "
    "(issue 13), next one still a reading") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, "PLX1", kDeviceNow);
  const Step bad = feed(s, kHub, gu::kPlxSpotCheckMeasurement, Bytes{0x00, 0xFF, 0x07, 72, 0});
  CHECK(bad.readings.empty());
  REQUIRE(bad.rejected.size() == 1);
  CHECK(bad.rejected[0].detail == "SpO2 is NaN");
  CHECK(bad.refused_records.size() == 1);
  CHECK(feed(s, kHub, gu::kPlxSpotCheckMeasurement, kSpot).readings.size() == 1);
}

TEST_CASE(
    "ble_pulse_ox session: bad continuous value -> a refused record only where a value would "
    "have been kept, the next good one is kept in its place") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, "PLX1", kDeviceNow);
  Bytes cut = kContinuous;
  cut.resize(2);
  CHECK(feed(s, kHub, gu::kPlxContinuousMeasurement, cut).refused_records.size() == 1);
  CHECK(feed(s, kHub + seconds{1}, gu::kPlxContinuousMeasurement, kContinuous).readings.size() ==
        1);
  const Step skipped = feed(s, kHub + seconds{2}, gu::kPlxContinuousMeasurement, cut);
  CHECK(skipped.rejected.size() == 1);
  CHECK(skipped.refused_records.empty());  // within the period: it would have been dropped
}

TEST_CASE("ble_pulse_ox session: clock 1 h off -> set once after the idle time") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, "PLX1", kDeviceNow - 1h);
  (void)feed(s, kHub, gu::kPlxSpotCheckMeasurement, kSpot);
  const Step idle = s.on_timer();
  REQUIRE(commands(idle).size() == 1);
  CHECK(commands(idle)[0] == "write 2A2B EA 07 0B 16 0A 10 05 07 00 02");
  CHECK(s.on_timer().commands.empty());
}

TEST_CASE("ble_pulse_ox session: continuous absent -> quiet, unknown characteristic -> rejected") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, "PLX1", kDeviceNow);
  CHECK(gatt::test::feed_failed(s, kHub, gu::kPlxContinuousMeasurement).rejected.empty());
  CHECK(feed(s, kHub, gu::kWeightMeasurement, kSpot).rejected.size() == 1);
}

}  // namespace
}  // namespace kotona::drivers::ble_pulse_ox
