#include "drivers/decode/json.h"

#include <doctest/doctest.h>

#include <limits>

#include "drivers/decode/conformance.h"

namespace kotona::drivers::decode {
namespace {

using namespace std::chrono;

TEST_CASE("json_string: quotes, backslash, control and non-ASCII bytes -> escaped") {
  CHECK(json_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(json_string(std::string("\r\n\x01", 3)) == "\"\\u000d\\u000a\\u0001\"");
  CHECK(json_string("\xff") == "\"\\u00ff\"");
}

TEST_CASE("json_number: shortest round trip, non-finite -> null") {
  CHECK(json_number(2.6) == "2.6");
  CHECK(json_number(182) == "182");
  CHECK(json_number(std::numeric_limits<double>::quiet_NaN()) == "null");
}

TEST_CASE("iso_time: device and hub times -> ISO 8601 UTC") {
  CHECK(iso_time(DeviceTime{sys_days{2026y / 11 / 22} + 10h + 15min}) == "2026-11-22T10:15:00Z");
  CHECK(iso_time(HubTime{sys_days{2026y / 1 / 2} + 3h + 4min + 5s + 6ms}) ==
        "2026-01-02T03:04:05.006Z");
}

TEST_CASE("reading_json: INR reading -> kind, codes, units, attributes, nulls") {
  Reading r;
  r.device.serial = DeviceSerial{"SN1"};
  r.record_id = "7";
  r.measurement = Inr{2.6, std::nullopt, std::string("L\"1")};
  r.quality.control_result = true;
  const std::string json = reading_json(r);
  CHECK(json.find("\"kind\":\"inr\"") != std::string::npos);
  CHECK(json.find("\"inr\":{\"value\":2.6,\"unit\":\"{INR}\",\"mdc\":188492") != std::string::npos);
  CHECK(json.find("prothrombin_time") == std::string::npos);
  CHECK(json.find("\"strip_lot\":\"L\\\"1\"") != std::string::npos);
  CHECK(json.find("\"device_time\":null") != std::string::npos);
  CHECK(json.find("\"clock_offset_s\":null") != std::string::npos);
  CHECK(json.find("\"control_result\":true") != std::string::npos);
}

TEST_CASE("reading_json: glucose -> mmol/L with LOINC 15074-8 and meal marker") {
  Reading r;
  r.measurement = Glucose{5.4, MealMarker::kPostprandial};
  const std::string json = reading_json(r);
  CHECK(json.find("\"glucose\":{\"value\":5.4,\"unit\":\"mmol/L\"") != std::string::npos);
  CHECK(json.find("\"loinc\":\"15074-8\"") != std::string::npos);
  CHECK(json.find("\"meal\":\"after_meal\"") != std::string::npos);
}

TEST_CASE("canonical_json: whitespace outside strings dropped, inside kept") {
  CHECK(canonical_json("{ \"a b\" : [ 1, 2 ],\n \"c\\\" d\": 3 }") ==
        "{\"a b\":[1,2],\"c\\\" d\":3}");
}

}  // namespace
}  // namespace kotona::drivers::decode
