// encode_reading_json / decode_reading_json round trip per kind: a quarantined reading is
// released exactly as it was sent (issue 13). A field added to encode only fails here.
#include "server/store/reading_json.h"

#include <doctest/doctest.h>

using namespace kotona;
using namespace kotona::server::store;

namespace {
Reading reading(Measurement m) {
  Reading r;
  r.device.serial = DeviceSerial{"DEV1"};
  r.device.vendor = "Acme";
  r.device.model = "M1";
  r.device.driver = "astm_bp";
  r.record_id = "42";
  r.hub_time = HubTime{std::chrono::milliseconds{1'790'000'000'123}};
  r.device_time = DeviceTime{std::chrono::seconds{1'790'000'000}};
  r.measurement = std::move(m);
  r.quality.irregular_pulse = true;
  r.quality.device_time_precision = TimePrecision::kMinute;
  finalize_reading(GatewayId{"gw-1"}, r);
  return r;
}
// The six device flags and implausible from the low 7 bits of `bits`, with precision `p`.
QualityFlags flags_of(unsigned bits, TimePrecision p) {
  return {(bits & 1) != 0,  (bits & 2) != 0,  (bits & 4) != 0, (bits & 8) != 0,
          (bits & 16) != 0, (bits & 32) != 0, p,                (bits & 64) != 0};
}
}  // namespace

TEST_CASE("decode_reading_json: every kind -> the reading encode_reading_json was given") {
  CardiacImplantSummary implant;
  implant.battery_status = BatteryStatus::kRrtEri;
  implant.longevity_months = 3;
  implant.right_ventricle.lead_impedance_ohm = 1800;
  implant.shocks_delivered = 2;
  implant.left_ventricle.lead_impedance_ohm = 3000;  // relay value type 4: "> 3000 Ohm"
  implant.left_ventricle.lead_impedance_comparator = Comparator::kAboveRange;
  implant.longevity_months = 3;
  implant.longevity_comparator = Comparator::kBelowRange;
  const Measurement kinds[] = {BloodPressure{185, 115, 138.0, 71.0},
                               Glucose{2.4, MealMarker::kFasting},
                               Inr{4.5, 40.0, std::string("LOT7")},
                               implant,
                               Weight{81.5},
                               Spo2{88, 97.0},
                               Temperature{39.2}};
  for (const auto& m : kinds) {
    auto r = reading(m);
    auto back = decode_reading_json(encode_reading_json(r));
    REQUIRE(back);
    CHECK(*back == r);
    CHECK(encode_reading_json(*back) == encode_reading_json(r));
  }
}

TEST_CASE("decode_reading_json: not a reading -> nullopt, never throws") {
  CHECK_FALSE(decode_reading_json(""));
  CHECK_FALSE(decode_reading_json("[1,2]"));
  CHECK_FALSE(decode_reading_json("{\"kind\":\"bp\"}"));
  CHECK_FALSE(decode_reading_json("{\"kind\":\"warp\",\"values\":{},\"hub_time_unix_ms\":1}"));
  CHECK_FALSE(decode_reading_json("\xff\xfe"));
}

TEST_CASE(
    "encode_quality_json: the same text the Boost.JSON object gave, every flag and precision") {
  CHECK(encode_quality_json({}) ==
        "{\"clock_suspect\":false,\"clock_missing\":false,\"irregular_pulse\":false,"
        "\"body_movement\":false,\"device_error\":false,\"control_result\":false,"
        "\"implausible\":false,\"uid_conflict\":false}");
  // The quality object inside encode_reading_json is still built with Boost.JSON: every
  // combination must print the same, uid_conflict (QualityFlags, issue 13) last.
  for (unsigned bits = 0; bits < 128; ++bits) {
    for (auto p : {TimePrecision::kSecond, TimePrecision::kMinute, TimePrecision::kHour,
                   TimePrecision::kDay}) {
      Reading r = reading(Weight{80});
      auto& q = r.quality;
      q = flags_of(bits, p);
      for (bool conflict : {false, true}) {
        q.uid_conflict = conflict;
        const auto all = encode_reading_json(r);
        const auto from = all.find("\"quality\":") + 10;
        const auto boost_text = all.substr(from, all.find('}', from) + 1 - from);
        CHECK(boost_text.ends_with(conflict ? ",\"uid_conflict\":true}"
                                            : ",\"uid_conflict\":false}"));
        CHECK(encode_quality_json(q) == boost_text);
      }
    }
  }
}

// The column holds only the true flags (issue 15); every reader gets the full form back, from
// rows in either form, so the API's "quality" object is unchanged for old and new rows.
TEST_CASE("stored quality_json: only true flags, expanded back to the full form, old rows too") {
  CHECK(encode_stored_quality_json({}) == "{}");
  QualityFlags some;
  some.clock_missing = true;
  some.implausible = true;
  some.device_time_precision = TimePrecision::kHour;
  some.uid_conflict = true;
  CHECK(encode_stored_quality_json(some) ==
        "{\"clock_missing\":true,\"implausible\":true,\"device_time_precision\":\"hour\","
        "\"uid_conflict\":true}");
  for (unsigned bits = 0; bits < 256; ++bits) {
    for (auto p : {TimePrecision::kSecond, TimePrecision::kMinute, TimePrecision::kHour,
                   TimePrecision::kDay}) {
      QualityFlags q = flags_of(bits, p);
      q.uid_conflict = (bits & 128) != 0;
      const auto full = encode_quality_json(q);
      CHECK(expand_quality_json(encode_stored_quality_json(q)) == full);
      CHECK(expand_quality_json(full) == full);  // a row stored before the compact form
    }
  }
  // The alert SQL's test for an implausible row ("quality_json NOT LIKE '%"implausible":true%'")
  // reads both forms.
  CHECK(encode_stored_quality_json(some).find("\"implausible\":true") != std::string::npos);
  CHECK(expand_quality_json("") == "");
  CHECK(expand_quality_json("not json") == "not json");
}

// Blood pressure, weight, SpO2 and temperature are written without the Boost.JSON object
// (issue 15). The texts below are what that object printed (taken from the build before the
// change): stored rows and the duplicate check compare this text byte for byte.
TEST_CASE("encode_values_json: plain kinds -> the text the JSON object printed") {
  CHECK(
      encode_values_json(BloodPressure{185, 115, 138.0, 71.0}) ==
      R"({"systolic_mmhg":185,"diastolic_mmhg":115,"mean_arterial_mmhg":138,"pulse_per_min":71})");
  CHECK(
      encode_values_json(BloodPressure{120.5, 0.0001, std::nullopt, 1e21}) ==
      R"({"systolic_mmhg":120.5,"diastolic_mmhg":0.0001,"pulse_per_min":1000000000000000000000})");
  CHECK(encode_values_json(BloodPressure{-0.0, 1.0 / 3, 99.99, std::nullopt}) ==
        R"({"systolic_mmhg":-0,"diastolic_mmhg":0.3333333333333333,"mean_arterial_mmhg":99.99})");
  CHECK(encode_values_json(Weight{81.25}) == R"({"kg":81.25})");
  CHECK(encode_values_json(Spo2{97, std::nullopt}) == R"({"percent":97})");
  CHECK(encode_values_json(Spo2{97, 64.5}) == R"({"percent":97,"pulse_per_min":64.5})");
  CHECK(encode_values_json(Temperature{37.15}) == R"({"celsius":37.15})");
}
