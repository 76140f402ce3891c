#include "drivers/ble_bp/session.h"

#include <doctest/doctest.h>

#include "drivers/gatt/test_support.h"

namespace kotona::drivers::ble_bp {
namespace {

using namespace std::chrono;
using gatt::test::commands;
using gatt::test::feed;
using gatt::test::identify;

const HubTime kHub{sys_days{2026y / 11 / 22} + 10h + 16min};
const DeviceTime kDeviceNow = floor<seconds>(kHub);
const DeviceTime kMeasured{sys_days{2026y / 11 / 22} + 10h + 15min};

// 0x1E: time stamp, pulse, user id, status. 182/112/135 mmHg, pulse 71, user `user`.
Bytes measurement(std::uint8_t user = 2, std::uint16_t status = 0x0004) {
  return Bytes{0x1E,
               0xB6,
               0x00,
               0x70,
               0x00,
               0x87,
               0x00,
               0xEA,
               0x07,
               11,
               22,
               10,
               15,
               0,
               0x47,
               0x00,
               user,
               static_cast<std::uint8_t>(status & 0xFF),
               static_cast<std::uint8_t>(status >> 8)};
}

Session make(std::string port = "AA:BB:CC:DD:EE:01") { return Session(SessionContext{port}); }

TEST_CASE("ble_bp session: start -> DIS and Current Time reads, then subscriptions") {
  Session s = make();
  const Step start = s.start();
  CHECK(commands(start) ==
        std::vector<std::string>{"read 2A29", "read 2A24", "read 2A25", "read 2A26", "read 2A2B"});
  CHECK(start.timer == gatt::kIdentityTimeout);
  const Step ready = identify(s, kHub, "BP0001", kDeviceNow);
  CHECK(commands(ready) == std::vector<std::string>{"subscribe 2A35", "subscribe 2A36"});
  CHECK(ready.timer == kIdle);
}

TEST_CASE("ble_bp session: measurement -> one reading with identity, device time, user, flags") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, "BP0001", kDeviceNow);
  const Step step = feed(s, kHub, gatt::uuid::kBloodPressureMeasurement, measurement());
  REQUIRE(step.readings.size() == 1);
  CHECK(step.rejected.empty());
  const Reading& r = step.readings[0];
  CHECK(r.device.serial.value == "BP0001.u2");
  CHECK(r.device.vendor == "Acme");
  CHECK(r.device.model == "M-1");
  CHECK(r.device.firmware == "1.0");
  CHECK(r.device.driver == "ble_bp");
  CHECK(r.device_time == kMeasured);
  CHECK(r.hub_time == kHub);
  CHECK(r.clock_offset == seconds{0});
  CHECK(r.quality.irregular_pulse);
  const auto& bp = std::get<BloodPressure>(r.measurement);
  CHECK(bp.systolic_mmhg == 182);
  CHECK(bp.diastolic_mmhg == 112);
  CHECK(bp.pulse_per_min == 71);
}

TEST_CASE("ble_bp session: user 0xFF (unknown) -> the device serial alone") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, "BP0001", kDeviceNow);
  const Step step = feed(s, kHub, gatt::uuid::kBloodPressureMeasurement, measurement(0xFF));
  REQUIRE(step.readings.size() == 1);
  CHECK(step.readings[0].device.serial.value == "BP0001");
}

TEST_CASE(
    "ble_bp session: malformed measurement -> rejected and reported as a refused record (issue "
    "13), the next good one still a reading") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, "BP0001", kDeviceNow);
  Bytes bad = measurement();
  bad.resize(9);
  const Step rejected = feed(s, kHub, gatt::uuid::kBloodPressureMeasurement, bad);
  CHECK(rejected.readings.empty());
  REQUIRE(rejected.rejected.size() == 1);
  CHECK(rejected.rejected[0].code == Errc::kTruncated);
  REQUIRE(rejected.refused_records.size() == 1);  // the cuff counts it delivered (invariant 13)
  CHECK(rejected.refused_records[0].code == Errc::kTruncated);
  const Step good = feed(s, kHub, gatt::uuid::kBloodPressureMeasurement, measurement());
  CHECK(good.readings.size() == 1);
}

TEST_CASE("ble_bp session: intermediate cuff pressure -> never a reading") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, "BP0001", kDeviceNow);
  const Step step = feed(s, kHub, gatt::uuid::kIntermediateCuffPressure,
                         Bytes{0x00, 0x64, 0x00, 0xFF, 0x07, 0xFF, 0x07});
  CHECK(step.readings.empty());
  CHECK(step.rejected.empty());
  const Step bad = feed(s, kHub, gatt::uuid::kIntermediateCuffPressure, Bytes{0x00, 0x64});
  CHECK(bad.rejected.size() == 1);
  CHECK(bad.refused_records.empty());  // live cuff pressure is no record
}

TEST_CASE("ble_bp session: clock 1 h wrong -> offset on readings, set once after the idle time") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, "BP0001", kDeviceNow + 1h);
  const Step step = feed(s, kHub, gatt::uuid::kBloodPressureMeasurement, measurement());
  REQUIRE(step.readings.size() == 1);
  CHECK(step.readings[0].clock_offset == seconds{3600});
  CHECK(step.timer == kIdle);
  const Step idle = s.on_timer();
  // Hub time at the write: the last input's hub time + the idle time.
  CHECK(commands(idle) ==
        std::vector<std::string>{"write 2A2B " + std::string("EA 07 0B 16 0A 10 05 07 00 02")});
  CHECK(s.on_timer().commands.empty());  // once per connection
  const Step after = feed(s, kHub, gatt::uuid::kBloodPressureMeasurement, measurement());
  CHECK(after.readings[0].clock_offset == seconds{0});
}

TEST_CASE("ble_bp session: clock right or unreadable -> never written") {
  for (const bool has_clock : {true, false}) {
    Session s = make();
    (void)s.start();
    (void)identify(s, kHub, "BP0001",
                   has_clock ? std::optional<DeviceTime>(kDeviceNow + 9min) : std::nullopt);
    const Step step = feed(s, kHub, gatt::uuid::kBloodPressureMeasurement, measurement());
    REQUIRE(step.readings.size() == 1);
    CHECK(step.readings[0].clock_offset.has_value() == has_clock);
    CHECK(s.on_timer().commands.empty());
  }
}

TEST_CASE(
    "ble_bp session: DIS times out after a wrong Current Time -> clock set from the hub time "
    "of that read, never 1970") {
  Session s = make();
  (void)s.start();
  (void)feed(s, kHub, gatt::uuid::kCurrentTime, gatt::encode_current_time(kDeviceNow + 1h));
  const Step ready = s.on_timer();  // the four DIS reads never answer
  CHECK(commands(ready) == std::vector<std::string>{"subscribe 2A35", "subscribe 2A36"});
  const Step idle = s.on_timer();  // no measurement follows
  CHECK(commands(idle) ==
        std::vector<std::string>{"write 2A2B " + std::string("EA 07 0B 16 0A 10 05 07 00 02")});
}

TEST_CASE(
    "ble_bp session: hub clock unset (1970) -> device clock never written, refusal reported") {
  const HubTime dead_rtc{sys_days{1970y / 1 / 1} + 42s};
  Session s = make();
  (void)s.start();
  (void)identify(s, dead_rtc, "BP0001", kDeviceNow);
  const Step step = feed(s, dead_rtc, gatt::uuid::kBloodPressureMeasurement, measurement());
  REQUIRE(step.readings.size() == 1);
  const Step idle = s.on_timer();
  CHECK(idle.commands.empty());
  REQUIRE(idle.rejected.size() == 1);
  CHECK(idle.rejected[0].detail.find("hub time not trustworthy") != std::string::npos);
  CHECK(s.on_timer().rejected.empty());  // reported once
}

TEST_CASE(
    "ble_bp session: identity reads time out -> serial from the BLE address, profile starts") {
  Session s = make("aa:bb:cc:dd:ee:01");
  (void)s.start();
  const Step timeout = s.on_timer();
  CHECK(commands(timeout) == std::vector<std::string>{"subscribe 2A35", "subscribe 2A36"});
  REQUIRE(timeout.rejected.size() == 1);
  const Step step = feed(s, kHub, gatt::uuid::kBloodPressureMeasurement, measurement(0xFF));
  REQUIRE(step.readings.size() == 1);
  CHECK(step.readings[0].device.serial.value == "ble-aabbccddee01");
}

TEST_CASE("ble_bp session: 2A36 missing -> quiet, 2A35 subscribe failing -> rejected") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, "BP0001", kDeviceNow);
  CHECK(gatt::test::feed_failed(s, kHub, gatt::uuid::kIntermediateCuffPressure).rejected.empty());
  const Step failed = gatt::test::feed_failed(s, kHub, gatt::uuid::kBloodPressureMeasurement);
  REQUIRE(failed.rejected.size() == 1);
  CHECK(failed.rejected[0].code == Errc::kUnsupported);
}

TEST_CASE("ble_bp session: serial bytes, or a value before identity -> Error, session usable") {
  Session s = make();
  (void)s.start();
  CHECK_FALSE(s.on_input(Input{kHub, SerialBytes{{0x01}}}).has_value());
  CHECK_FALSE(
      s.on_input(Input{kHub, GattValue{gatt::uuid::kBloodPressureMeasurement, measurement()}})
          .has_value());
  (void)identify(s, kHub, "BP0001", kDeviceNow);
  CHECK(feed(s, kHub, gatt::uuid::kBloodPressureMeasurement, measurement()).readings.size() == 1);
}

}  // namespace
}  // namespace kotona::drivers::ble_bp
