#include "server/ingest/codec.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "kotona/v1/readings.pb.h"  // the codec's own test may build raw protos

using namespace kotona;
using namespace kotona::server;
using namespace kotona::server::ingest;
using namespace std::chrono_literals;

namespace {

const GatewayId kGw{"gw-1"};
const HubTime kNow{std::chrono::milliseconds{1'790'000'000'000}};

Reading finalized(Measurement m, const std::string& record) {
  Reading r;
  r.device = DeviceIdentity{"Acme", "BP-1", DeviceSerial{"SER1"}, "1.0", "astm_bp"};
  r.record_id = record;
  r.hub_time = kNow - 1min;
  r.device_time = std::chrono::floor<std::chrono::seconds>(r.hub_time) + 30s;
  r.clock_offset = 30s;
  r.measurement = std::move(m);
  r.quality.irregular_pulse = true;
  finalize_reading(kGw, r);
  return r;
}

}  // namespace

TEST_CASE("decode_batch: every measurement kind -> round-trips unchanged") {
  CardiacImplantSummary implant;
  implant.battery_status = BatteryStatus::kRrtEri;
  implant.longevity_months = 3;
  implant.right_ventricle.lead_impedance_ohm = 520;
  implant.shocks_delivered = 1u;
  implant.right_atrium.capture_threshold_v = 7.5;  // relay value type 4: "> 7.5 V"
  implant.right_atrium.capture_threshold_comparator = Comparator::kAboveRange;
  std::vector<Reading> readings{finalized(BloodPressure{182, 112, 135.0, 71.0}, "1"),
                                finalized(Glucose{5.4, MealMarker::kFasting}, "2"),
                                finalized(Inr{2.6, 31.0, std::string("LOT7")}, "3"),
                                finalized(implant, "4"),
                                finalized(Weight{81.5}, "5"),
                                finalized(Spo2{97, 64.0}, "6"),
                                finalized(Temperature{37.2}, "7")};
  auto batch = decode_batch(encode_batch_for_test(kGw, 42, readings), kNow);
  REQUIRE(batch.has_value());
  CHECK(batch->gateway == kGw);
  CHECK(batch->batch_id == 42);
  CHECK(batch->rejected.empty());
  CHECK(batch->readings == readings);
}

TEST_CASE("decode_batch: device time precision -> kept, an unknown precision -> rejected") {
  std::vector<Reading> readings{finalized(Inr{2.6, {}, {}}, "1"), finalized(Inr{2.7, {}, {}}, "2")};
  readings[0].quality.device_time_precision = TimePrecision::kMinute;
  readings[1].quality.device_time_precision = TimePrecision::kDay;
  auto batch = decode_batch(encode_batch_for_test(kGw, 1, readings), kNow);
  REQUIRE(batch.has_value());
  CHECK(batch->readings == readings);

  v1::ReadingBatch raw;
  REQUIRE(raw.ParseFromString(encode_batch_for_test(kGw, 2, readings)));
  raw.mutable_readings(1)->mutable_quality()->set_device_time_precision(
      static_cast<v1::TimePrecision>(9));
  auto odd = decode_batch(raw.SerializeAsString(), kNow);
  REQUIRE(odd.has_value());
  CHECK(odd->readings.size() == 1);
  REQUIRE(odd->rejected.size() == 1);
  CHECK(odd->rejected[0].error.detail.find("device_time_precision") != std::string::npos);
}

TEST_CASE("decode_batch: garbage bytes -> kMalformed") {
  auto batch = decode_batch("this is not protobuf \x01\x02", kNow);
  REQUIRE_FALSE(batch.has_value());
  CHECK(batch.error().code == Errc::kMalformed);
}

TEST_CASE("decode_batch: schema_version 2 -> kUnsupported") {
  auto bytes = encode_batch_for_test(kGw, 1, {finalized(Weight{80}, "1")}, 2);
  auto batch = decode_batch(bytes, kNow);
  REQUIRE_FALSE(batch.has_value());
  CHECK(batch.error().code == Errc::kUnsupported);
}

TEST_CASE("decode_batch: batch gateway id with a slash -> kMalformed") {
  auto batch = decode_batch(encode_batch_for_test(GatewayId{"gw/1"}, 1, {}), kNow);
  REQUIRE_FALSE(batch.has_value());
  CHECK(batch.error().code == Errc::kMalformed);
}

TEST_CASE("decode_batch: one bad reading -> only that reading rejected, with its uid") {
  auto nan = finalized(BloodPressure{std::numeric_limits<double>::quiet_NaN(), 80, {}, {}}, "2");
  auto good = finalized(BloodPressure{120, 80, {}, {}}, "1");
  auto batch = decode_batch(encode_batch_for_test(kGw, 1, {good, nan}), kNow);
  REQUIRE(batch.has_value());
  REQUIRE(batch->readings.size() == 1);
  CHECK(batch->readings[0] == good);
  REQUIRE(batch->rejected.size() == 1);
  CHECK(batch->rejected[0].reading_uid == nan.uid.value);
  CHECK(batch->rejected[0].error.detail.find("not finite") != std::string::npos);
  CHECK_FALSE(batch->rejected[0].payload.empty());
}

TEST_CASE("decode_batch: INR > 8.0 and glucose HI / LO -> comparators arrive (invariant 14)") {
  std::vector<Reading> readings{
      finalized(Inr{8.0, {}, {}, Comparator::kAboveRange}, "1"),
      finalized(Glucose{33.3, MealMarker::kUnknown, Comparator::kAboveRange}, "2"),
      finalized(Glucose{1.1, MealMarker::kUnknown, Comparator::kBelowRange}, "3")};
  auto batch = decode_batch(encode_batch_for_test(kGw, 1, readings), kNow);
  REQUIRE(batch.has_value());
  CHECK(batch->rejected.empty());
  CHECK(batch->readings == readings);
  REQUIRE(batch->readings.size() == 3);
  CHECK(std::get<Inr>(batch->readings[0].measurement).comparator == Comparator::kAboveRange);
}

TEST_CASE("decode_batch: comparator where the domain has none, or unknown -> rejected, not lost") {
  kotona::v1::ReadingBatch proto;
  auto bp = finalized(BloodPressure{120, 80, {}, {}}, "1");
  auto inr = finalized(Inr{2.0, {}, {}}, "2");
  REQUIRE(proto.ParseFromString(encode_batch_for_test(kGw, 1, {bp, inr})));
  proto.mutable_readings(0)->mutable_blood_pressure()->mutable_systolic()->set_comparator(
      kotona::v1::COMPARATOR_ABOVE_RANGE);
  proto.mutable_readings(1)->mutable_inr()->mutable_ratio()->set_comparator(
      static_cast<kotona::v1::Comparator>(7));
  auto batch = decode_batch(proto.SerializeAsString(), kNow);
  REQUIRE(batch.has_value());
  CHECK(batch->readings.empty());
  REQUIRE(batch->rejected.size() == 2);
  CHECK(batch->rejected[0].error.detail.find("comparator") != std::string::npos);
  CHECK(batch->rejected[1].error.detail.find("unknown comparator") != std::string::npos);
}

TEST_CASE("decode_batch: infinity and 1e300 -> rejected with the value named, never stored") {
  auto inf = finalized(Weight{std::numeric_limits<double>::infinity()}, "1");
  auto huge = finalized(Glucose{1e300, MealMarker::kUnknown}, "2");
  auto batch = decode_batch(encode_batch_for_test(kGw, 1, {inf, huge}), kNow);
  REQUIRE(batch.has_value());
  CHECK(batch->readings.empty());
  REQUIRE(batch->rejected.size() == 2);
  CHECK(batch->rejected[0].error.detail.find("mass: value not finite (inf)") != std::string::npos);
  CHECK(batch->rejected[0].error.code == Errc::kOutOfRange);
  CHECK(batch->rejected[1].error.code == Errc::kOutOfRange);
  CHECK(batch->rejected[1].error.detail.find("concentration: absurd magnitude") !=
        std::string::npos);
}

TEST_CASE("decode_batch: wrong unit, no measurement, bad serial, forged uid -> rejected") {
  kotona::v1::ReadingBatch proto;
  auto base = finalized(BloodPressure{120, 80, {}, {}}, "1");
  REQUIRE(proto.ParseFromString(encode_batch_for_test(kGw, 1, {base, base, base, base})));
  proto.mutable_readings(0)->mutable_blood_pressure()->mutable_systolic()->set_ucum("kPa");
  proto.mutable_readings(1)->clear_blood_pressure();
  proto.mutable_readings(2)->mutable_device()->set_serial("bad serial!");
  proto.mutable_readings(3)->set_reading_uid("gw-1/SER1/r999/bp");
  auto batch = decode_batch(proto.SerializeAsString(), kNow);
  REQUIRE(batch.has_value());
  CHECK(batch->readings.empty());
  REQUIRE(batch->rejected.size() == 4);
  CHECK(batch->rejected[0].error.detail.find("unit 'kPa'") != std::string::npos);
  CHECK(batch->rejected[1].error.detail.find("no measurement") != std::string::npos);
  CHECK(batch->rejected[2].error.detail.find("serial") != std::string::npos);
  CHECK(batch->rejected[3].error.detail.find("reading_uid") != std::string::npos);
}

TEST_CASE("decode_batch: hub clock years off, batch clock too -> rebased by the batch skew") {
  // A hub whose RTC says 2014: readings and batch stamped in that frame. Used to be rejected
  // (and then deleted from the hub's outbox: lost). Now moved into the server frame.
  const auto skew = std::chrono::milliseconds(-12LL * 365 * 86400 * 1000);
  kotona::v1::ReadingBatch proto;
  auto r = finalized(BloodPressure{120, 80, {}, {}}, "1");
  REQUIRE(proto.ParseFromString(encode_batch_for_test(kGw, 1, {r})));
  proto.set_sent_unix_ms((kNow + skew).time_since_epoch().count());
  auto* p = proto.mutable_readings(0);
  p->set_hub_time_unix_ms((r.hub_time + skew).time_since_epoch().count());
  p->set_clock_offset_s(p->clock_offset_s() +
                        std::chrono::duration_cast<std::chrono::seconds>(skew).count());
  auto batch = decode_batch(proto.SerializeAsString(), kNow);
  REQUIRE(batch.has_value());
  REQUIRE(batch->readings.size() == 1);
  const auto& got = batch->readings[0];
  CHECK(got.uid == r.uid);
  CHECK(got.hub_time == r.hub_time);
  CHECK(got.clock_offset == r.clock_offset);
  CHECK(got.quality.clock_suspect);
}

TEST_CASE("decode_batch: hub time absurd but batch time right -> pinned to arrival, flagged") {
  auto r = finalized(Weight{80}, "1");
  kotona::v1::ReadingBatch proto;
  REQUIRE(proto.ParseFromString(encode_batch_for_test(kGw, 1, {r})));
  proto.set_sent_unix_ms(kNow.time_since_epoch().count());
  proto.mutable_readings(0)->set_hub_time_unix_ms(5);  // 1970: RTC reset when measured
  auto batch = decode_batch(proto.SerializeAsString(), kNow);
  REQUIRE(batch.has_value());
  REQUIRE(batch->readings.size() == 1);
  CHECK(batch->readings[0].hub_time == kNow);
  CHECK_FALSE(batch->readings[0].clock_offset.has_value());
  CHECK(batch->readings[0].quality.clock_suspect);
  // Plausible times are left alone.
  auto fine = decode_batch(encode_batch_for_test(kGw, 1, {r}), kNow);
  REQUIRE(fine.has_value());
  CHECK(fine->readings[0] == r);
}

TEST_CASE("decode_batch: device clock hours off -> accepted, offset kept (invariant 6)") {
  auto r = finalized(Weight{80}, "1");
  r.device_time = *r.device_time + 5h;
  r.clock_offset = 5h;
  auto batch = decode_batch(encode_batch_for_test(kGw, 1, {r}), kNow);
  REQUIRE(batch.has_value());
  REQUIRE(batch->readings.size() == 1);
  CHECK(batch->readings[0].clock_offset == 5h);
}

TEST_CASE("encode_ack: outcomes -> every uid with its disposition, empty uids skipped") {
  std::vector<store::ReadingOutcome> outcomes{{"a", store::Disposition::kStored},
                                              {"b", store::Disposition::kDuplicate},
                                              {"c", store::Disposition::kQuarantined},
                                              {"d", store::Disposition::kRejected},
                                              {"", store::Disposition::kRejected}};
  auto ack = decode_ack_for_test(encode_ack(kGw, 9, outcomes));
  REQUIRE(ack.has_value());
  CHECK(ack->gateway == kGw);
  CHECK(ack->batch_id == 9);
  outcomes.pop_back();
  CHECK(ack->readings == outcomes);
}

TEST_CASE("decode_status: encoded status -> same fields back") {
  GatewayStatus s{kGw,
                  kNow,
                  "0.1.0",
                  3,
                  1234,
                  {{"SER1", "astm_bp", "/dev/x", "connected", 99}},
                  {{"bad_frames", 2}},
                  60,
                  "full",
                  1'700'000'000'000,
                  4096,
                  false};
  auto back = decode_status(encode_status_for_test(s));
  REQUIRE(back.has_value());
  CHECK(back->gateway == kGw);
  CHECK(back->outbox_depth == 3);
  REQUIRE(back->devices.size() == 1);
  CHECK(back->devices[0].state == "connected");
  CHECK(back->counters.at("bad_frames") == 2);
  CHECK(back->uptime_s == 60);
  CHECK(back->storage_state == "full");
  CHECK(back->storage_full_since_unix_ms == 1'700'000'000'000);
  CHECK(back->storage_available_bytes == 4096);
}

TEST_CASE("decode_status: garbage -> kMalformed") {
  CHECK_FALSE(decode_status(std::string("\xff\xff\xff", 3)).has_value());
}
