#include <doctest/doctest.h>

#include <vector>

#include "proto/codec/wire.h"

using namespace kotona;
using namespace kotona::wire;
using namespace std::chrono_literals;

namespace {

Reading base_reading(Measurement m) {
  Reading r;
  r.device = DeviceIdentity{"Acme", "BP-1", DeviceSerial{"SN1"}, "1.2", "astm_bp"};
  r.record_id = "42";
  r.device_time = DeviceTime{std::chrono::seconds{1'700'000'000}};
  r.hub_time = HubTime{std::chrono::milliseconds{1'700'000'000'123}};
  r.measurement = std::move(m);
  r.quality.irregular_pulse = true;
  finalize_reading(GatewayId{"gw-1"}, r);
  return r;
}

void check_round_trip(const Reading& r) {
  auto decoded = decode_reading(encode_reading(r));
  REQUIRE_MESSAGE(decoded.has_value(), (decoded ? "" : describe(decoded.error())));
  CHECK(*decoded == r);
}

CardiacImplantSummary full_implant() {
  CardiacImplantSummary s;
  s.battery_status = BatteryStatus::kRrtEri;
  s.battery_voltage_v = 2.61;
  s.longevity_months = 3;
  s.right_atrium = ImplantChamber{450, 2.5, 0.75, 12};
  s.right_ventricle = ImplantChamber{600, 9.8, std::nullopt, 98};
  s.at_af_burden_percent = 7.5;
  s.at_af_episodes = 3;
  s.vt_vf_episodes = 0;
  s.atp_therapies = 1;
  s.shocks_delivered = 2;
  s.right_ventricle.lead_impedance_comparator = Comparator::kAboveRange;  // relay type 4
  s.right_atrium.sensing_amplitude_comparator = Comparator::kBelowRange;
  s.at_af_burden_comparator = Comparator::kAboveRange;
  return s;
}

}  // namespace

TEST_CASE("wire reading: every measurement kind, optional fields empty -> round trip equal") {
  std::vector<Measurement> kinds{BloodPressure{120, 80, {}, {}},
                                 Glucose{5.4, MealMarker::kUnknown},
                                 Inr{2.4, {}, {}},
                                 CardiacImplantSummary{},
                                 Weight{81.2},
                                 Spo2{97, {}},
                                 Temperature{36.9}};
  for (const auto& m : kinds) {
    CAPTURE(kind_name(m));
    check_round_trip(base_reading(m));
  }
}

TEST_CASE("wire reading: every optional field set -> round trip equal") {
  std::vector<Measurement> kinds{BloodPressure{182, 112, 135.3, 71},
                                 Glucose{2.8, MealMarker::kFasting},
                                 Glucose{7.1, MealMarker::kPostprandial},
                                 Inr{3.6, 41.5, std::string("LOT-77")},
                                 full_implant(),
                                 Spo2{88, 101}};
  for (const auto& m : kinds) {
    CAPTURE(kind_name(m));
    check_round_trip(base_reading(m));
  }
}

TEST_CASE("wire reading: device time precision (ASTM YYYYMMDD[HH[MM]]) -> round trip equal") {
  for (auto p : {TimePrecision::kMinute, TimePrecision::kHour, TimePrecision::kDay}) {
    Reading r = base_reading(Inr{2.6, {}, {}});
    r.quality.device_time_precision = p;
    CAPTURE(time_precision_name(p));
    check_round_trip(r);
  }
}

TEST_CASE(
    "wire reading: device range indicators (INR > 8.0, glucose HI / LO) -> comparator survives") {
  std::vector<Measurement> kinds{Inr{8.0, {}, {}, Comparator::kAboveRange},
                                 Inr{0.8, {}, {}, Comparator::kBelowRange},
                                 Glucose{33.3, MealMarker::kUnknown, Comparator::kAboveRange},
                                 Glucose{1.1, MealMarker::kFasting, Comparator::kBelowRange}};
  for (const auto& m : kinds) {
    CAPTURE(kind_name(m));
    check_round_trip(base_reading(m));
  }
  auto decoded = decode_reading(encode_reading(base_reading(kinds[0])));
  REQUIRE(decoded.has_value());
  CHECK(primary_comparator(decoded->measurement) == Comparator::kAboveRange);
}

TEST_CASE("wire reading: reading without device time -> clock_missing and no offset survive") {
  Reading r;
  r.device.serial = DeviceSerial{"SN2"};
  r.hub_time = HubTime{std::chrono::milliseconds{5}};
  r.measurement = Weight{70};
  finalize_reading(GatewayId{"gw-1"}, r);
  REQUIRE(r.quality.clock_missing);
  check_round_trip(r);
}

TEST_CASE("wire reading: garbage bytes -> kMalformed, no throw") {
  auto decoded = decode_reading(std::string("\xff\xff\xff\x01", 4));
  REQUIRE_FALSE(decoded.has_value());
  CHECK(decoded.error().code == Errc::kMalformed);
  CHECK_FALSE(decode_reading("").has_value());  // no measurement
}
