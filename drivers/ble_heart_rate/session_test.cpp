#include "drivers/ble_heart_rate/session.h"

#include <doctest/doctest.h>

#include "core/kinds.h"
#include "drivers/api/descriptor.h"
#include "drivers/ble_heart_rate/parse.h"
#include "drivers/gatt/test_support.h"

namespace kotona::drivers::ble_heart_rate {
const DriverDescriptor& descriptor();  // the registry declares it for registered drivers

namespace {

using namespace std::chrono;
using gatt::test::commands;
using gatt::test::feed;
using gatt::test::identify;

const HubTime kHub{sys_days{2026y / 11 / 22} + 10h + 16min};
const Bytes kValue{0x16, 0x48, 0x00, 0x04};  // 72 /min, contact detected, one RR interval

Session make() { return Session(SessionContext{"AA:BB:CC:DD:EE:0D"}); }

TEST_CASE("ble_heart_rate: descriptor -> named as its folder, matched by its service") {
  CHECK(descriptor().name == "ble_heart_rate");
  REQUIRE(descriptor().ble.size() == 1);
  CHECK(descriptor().ble[0].service_uuid16 == 0x180D);
  CHECK(descriptor().make_session(SessionContext{"AA:BB:CC:DD:EE:0D"}) != nullptr);
}

TEST_CASE("ble_heart_rate session: value -> one heart_rate reading, hub-named, no device time") {
  Session s = make();
  (void)s.start();
  CHECK(commands(identify(s, kHub, "HRM1", std::nullopt)) ==
        std::vector<std::string>{"subscribe 2A37"});
  const Step step = feed(s, kHub, kMeasurementCharacteristic, kValue);
  REQUIRE(step.readings.size() == 1);
  const Reading& r = step.readings[0];
  CHECK(kind_of(r.measurement).name == "heart_rate");
  const auto values = component_values(r.measurement);
  REQUIRE(values.size() == 1);
  CHECK(values[0].key == "beats_per_min");
  CHECK(values[0].value == 72);
  CHECK(r.device.serial.value == "HRM1");
  CHECK(r.device.driver == "ble_heart_rate");
  CHECK_FALSE(r.device_time);
}

TEST_CASE("ble_heart_rate session: sensor off the skin -> no reading, no refusal, counted skip") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, "HRM1", std::nullopt);
  const Step off = feed(s, kHub, kMeasurementCharacteristic, Bytes{0x04, 0x00});
  CHECK(off.readings.empty());
  CHECK(off.refused_records.empty());
  CHECK(off.skipped == std::vector<std::string>{"no_skin_contact"});
  CHECK(feed(s, kHub, kMeasurementCharacteristic, kValue).skipped.empty());
}

TEST_CASE(
    "ble_heart_rate session: unreadable value -> refused record reported, next one a reading") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, "HRM1", std::nullopt);
  const Step bad = feed(s, kHub, kMeasurementCharacteristic, Bytes{0x80, 0x48});
  CHECK(bad.readings.empty());
  REQUIRE(bad.refused_records.size() == 1);
  CHECK(bad.refused_records[0].code == Errc::kMalformed);
  CHECK(feed(s, kHub, kMeasurementCharacteristic, kValue).readings.size() == 1);
}

}  // namespace
}  // namespace kotona::drivers::ble_heart_rate
