#include "drivers/acme_thermo/session.h"

#include <doctest/doctest.h>

#include "drivers/acme_thermo/parse.h"
#include "drivers/api/descriptor.h"
#include "drivers/gatt/test_support.h"

namespace kotona::drivers::acme_thermo {
const DriverDescriptor& descriptor();  // the registry declares it for registered drivers

namespace {

using namespace std::chrono;
using gatt::test::commands;
using gatt::test::feed;
using gatt::test::identify;

const HubTime kHub{sys_days{2026y / 11 / 22} + 10h + 16min};
const DeviceTime kDeviceNow = floor<seconds>(kHub);
const Bytes kValue{0x01, 0x65, 0x0E, 0xEA, 0x07, 0x0B, 0x16, 0x07, 0x1E, 0x00};  // 36.85 degC

Session make() { return Session(SessionContext{"AA:BB:CC:DD:EE:09"}); }

TEST_CASE("acme_thermo: descriptor -> named as its folder, matched by its service") {
  CHECK(descriptor().name == "acme_thermo");
  REQUIRE(descriptor().ble.size() == 1);
  CHECK(descriptor().ble[0].service_uuid16 == kService);
  CHECK(descriptor().make_session(SessionContext{"AA:BB:CC:DD:EE:09"}) != nullptr);
}

TEST_CASE("acme_thermo session: ready -> subscribe FFF1, value -> one temperature reading") {
  Session s = make();
  (void)s.start();
  CHECK(commands(identify(s, kHub, "TPL1", kDeviceNow)) ==
        std::vector<std::string>{"subscribe FFF1"});
  const Step step = feed(s, kHub, kMeasurementCharacteristic, kValue);
  REQUIRE(step.readings.size() == 1);
  CHECK(std::get<Temperature>(step.readings[0].measurement).celsius == doctest::Approx(36.85));
  CHECK(step.readings[0].device.serial.value == "TPL1");
  CHECK(step.readings[0].device.driver == "acme_thermo");
  CHECK(step.readings[0].device_time == DeviceTime{sys_days{2026y / 11 / 22} + 7h + 30min});
}

TEST_CASE("acme_thermo session: unreadable value -> refused record reported, next one a reading") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, "TPL1", kDeviceNow);
  const Step bad = feed(s, kHub, kMeasurementCharacteristic, Bytes{0x00, 0x00, 0x80});
  CHECK(bad.readings.empty());
  REQUIRE(bad.refused_records.size() == 1);
  CHECK(bad.refused_records[0].code == Errc::kOutOfRange);
  CHECK(feed(s, kHub, kMeasurementCharacteristic, kValue).readings.size() == 1);
}

}  // namespace
}  // namespace kotona::drivers::acme_thermo
