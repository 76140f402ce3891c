#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "proto/codec/messages.h"  // the codec's own test may build raw protos
#include "proto/codec/wire.h"

using namespace kotona;
using namespace kotona::wire;
namespace v1 = kotona::v1;
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

TEST_CASE("wire batch: every measurement kind -> round-trips unchanged") {
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
  auto batch = decode_batch(encode_batch(kGw, 42, kNow, readings));
  REQUIRE(batch.has_value());
  CHECK(batch->gateway == kGw);
  CHECK(batch->batch_id == 42);
  CHECK(batch->rejected.empty());
  CHECK(batch->readings == readings);
}

TEST_CASE("wire batch: device time precision -> kept, an unknown precision -> rejected") {
  std::vector<Reading> readings{finalized(Inr{2.6, {}, {}}, "1"), finalized(Inr{2.7, {}, {}}, "2")};
  readings[0].quality.device_time_precision = TimePrecision::kMinute;
  readings[1].quality.device_time_precision = TimePrecision::kDay;
  auto batch = decode_batch(encode_batch(kGw, 1, kNow, readings));
  REQUIRE(batch.has_value());
  CHECK(batch->readings == readings);

  v1::ReadingBatch raw;
  REQUIRE(raw.ParseFromString(encode_batch(kGw, 2, kNow, readings)));
  raw.mutable_readings(1)->mutable_quality()->set_device_time_precision(
      static_cast<v1::TimePrecision>(9));
  auto odd = decode_batch(raw.SerializeAsString());
  REQUIRE(odd.has_value());
  CHECK(odd->readings.size() == 1);
  REQUIRE(odd->rejected.size() == 1);
  CHECK(odd->rejected[0].error.detail.find("device_time_precision") != std::string::npos);
}

TEST_CASE("wire batch: garbage bytes -> kMalformed") {
  auto batch = decode_batch("this is not protobuf \x01\x02");
  REQUIRE_FALSE(batch.has_value());
  CHECK(batch.error().code == Errc::kMalformed);
}

TEST_CASE("wire batch: schema_version 2 -> kUnsupported") {
  auto bytes = encode_batch(kGw, 1, kNow, {finalized(Weight{80}, "1")}, 2);
  auto batch = decode_batch(bytes);
  REQUIRE_FALSE(batch.has_value());
  CHECK(batch.error().code == Errc::kUnsupported);
}

TEST_CASE("wire batch: batch gateway id with a slash -> kMalformed") {
  auto batch = decode_batch(encode_batch(GatewayId{"gw/1"}, 1, kNow, std::vector<Reading>{}));
  REQUIRE_FALSE(batch.has_value());
  CHECK(batch.error().code == Errc::kMalformed);
}

TEST_CASE("wire batch: one bad reading -> only that reading rejected, with its uid") {
  auto nan = finalized(BloodPressure{std::numeric_limits<double>::quiet_NaN(), 80, {}, {}}, "2");
  auto good = finalized(BloodPressure{120, 80, {}, {}}, "1");
  auto batch = decode_batch(encode_batch(kGw, 1, kNow, {good, nan}));
  REQUIRE(batch.has_value());
  REQUIRE(batch->readings.size() == 1);
  CHECK(batch->readings[0] == good);
  REQUIRE(batch->rejected.size() == 1);
  CHECK(batch->rejected[0].reading_uid == nan.uid.value);
  CHECK(batch->rejected[0].error.detail.find("not finite") != std::string::npos);
  CHECK_FALSE(batch->rejected[0].payload.empty());
}

TEST_CASE("wire batch: INR > 8.0 and glucose HI / LO -> comparators arrive (invariant 14)") {
  std::vector<Reading> readings{
      finalized(Inr{8.0, {}, {}, Comparator::kAboveRange}, "1"),
      finalized(Glucose{33.3, MealMarker::kUnknown, Comparator::kAboveRange}, "2"),
      finalized(Glucose{1.1, MealMarker::kUnknown, Comparator::kBelowRange}, "3")};
  auto batch = decode_batch(encode_batch(kGw, 1, kNow, readings));
  REQUIRE(batch.has_value());
  CHECK(batch->rejected.empty());
  CHECK(batch->readings == readings);
  REQUIRE(batch->readings.size() == 3);
  CHECK(std::get<Inr>(batch->readings[0].measurement).comparator == Comparator::kAboveRange);
}

TEST_CASE("wire batch: comparator where the domain has none, or unknown -> rejected, not lost") {
  kotona::v1::ReadingBatch proto;
  auto bp = finalized(BloodPressure{120, 80, {}, {}}, "1");
  auto inr = finalized(Inr{2.0, {}, {}}, "2");
  REQUIRE(proto.ParseFromString(encode_batch(kGw, 1, kNow, {bp, inr})));
  proto.mutable_readings(0)->mutable_blood_pressure()->mutable_systolic()->set_comparator(
      kotona::v1::COMPARATOR_ABOVE_RANGE);
  proto.mutable_readings(1)->mutable_inr()->mutable_ratio()->set_comparator(
      static_cast<kotona::v1::Comparator>(7));
  auto batch = decode_batch(proto.SerializeAsString());
  REQUIRE(batch.has_value());
  CHECK(batch->readings.empty());
  REQUIRE(batch->rejected.size() == 2);
  CHECK(batch->rejected[0].error.detail.find("comparator") != std::string::npos);
  CHECK(batch->rejected[1].error.detail.find("unknown comparator") != std::string::npos);
}

TEST_CASE("wire batch: infinity and 1e300 -> rejected with the value named, never stored") {
  auto inf = finalized(Weight{std::numeric_limits<double>::infinity()}, "1");
  auto huge = finalized(Glucose{1e300, MealMarker::kUnknown}, "2");
  auto batch = decode_batch(encode_batch(kGw, 1, kNow, {inf, huge}));
  REQUIRE(batch.has_value());
  CHECK(batch->readings.empty());
  REQUIRE(batch->rejected.size() == 2);
  CHECK(batch->rejected[0].error.detail.find("mass: value not finite (inf)") != std::string::npos);
  CHECK(batch->rejected[0].error.code == Errc::kOutOfRange);
  CHECK(batch->rejected[1].error.code == Errc::kOutOfRange);
  CHECK(batch->rejected[1].error.detail.find("concentration: absurd magnitude") !=
        std::string::npos);
}

TEST_CASE("wire batch: wrong unit, no measurement, bad serial, forged uid -> rejected") {
  kotona::v1::ReadingBatch proto;
  auto base = finalized(BloodPressure{120, 80, {}, {}}, "1");
  REQUIRE(proto.ParseFromString(encode_batch(kGw, 1, kNow, {base, base, base, base})));
  proto.mutable_readings(0)->mutable_blood_pressure()->mutable_systolic()->set_ucum("kPa");
  proto.mutable_readings(1)->clear_blood_pressure();
  proto.mutable_readings(2)->mutable_device()->set_serial("bad serial!");
  proto.mutable_readings(3)->set_reading_uid("gw-1/SER1/r999/bp");
  auto batch = decode_batch(proto.SerializeAsString());
  REQUIRE(batch.has_value());
  CHECK(batch->readings.empty());
  REQUIRE(batch->rejected.size() == 4);
  CHECK(batch->rejected[0].error.detail.find("unit 'kPa'") != std::string::npos);
  CHECK(batch->rejected[1].error.detail.find("no measurement") != std::string::npos);
  CHECK(batch->rejected[2].error.detail.find("serial") != std::string::npos);
  CHECK(batch->rejected[3].error.detail.find("reading_uid") != std::string::npos);
}

TEST_CASE("wire status: encoded status -> same fields back, storage only when sent") {
  GatewayStatus s;
  s.gateway = kGw;
  s.sent = kNow;
  s.software_version = "0.1.0";
  s.outbox_depth = 3;
  s.oldest_unacked = kNow - 1h;
  s.devices.push_back({"SER1",
                       "astm_bp",
                       "/dev/x",
                       "connected",
                       kNow - 1min,
                       {{"kMalformed", 2, kNow - 2min}},
                       {{"no_skin_contact", 7, kNow - 5min, kNow - 30s}}});
  s.devices.push_back(
      {"", "astm_inr", "/dev/y", "error", std::nullopt, {}, {}, "no_permission", kNow - 10min});
  s.counters["bad_frames"] = 2;
  s.uptime = 60s;
  s.storage =
      StorageStatus{"full", HubTime{std::chrono::milliseconds{1'700'000'000'000}}, 4096, false};
  auto back = decode_status(encode_status(s));
  REQUIRE(back.has_value());
  CHECK(back->gateway == kGw);
  CHECK(back->sent == kNow);
  CHECK(back->outbox_depth == 3);
  CHECK(back->oldest_unacked == kNow - 1h);
  REQUIRE(back->devices.size() == 2);
  CHECK(back->devices[0].state == "connected");
  CHECK(back->devices[0].error.empty());
  CHECK_FALSE(back->devices[0].error_since.has_value());
  CHECK(back->devices[1].state == "error");
  CHECK(back->devices[1].error == "no_permission");
  CHECK(back->devices[1].error_since == kNow - 10min);
  CHECK(back->devices[0].last_seen == kNow - 1min);
  REQUIRE(back->devices[0].refused.size() == 1);
  CHECK(back->devices[0].refused[0].count == 2);
  CHECK(back->devices[0].refused[0].last == kNow - 2min);
  REQUIRE(back->devices[0].skipped.size() == 1);
  CHECK(back->devices[0].skipped[0].reason == "no_skin_contact");
  CHECK(back->devices[0].skipped[0].count == 7);
  CHECK(back->devices[0].skipped[0].since == kNow - 5min);
  CHECK(back->devices[0].skipped[0].last == kNow - 30s);
  CHECK(back->counters.at("bad_frames") == 2);
  CHECK(back->uptime == 60s);
  REQUIRE(back->storage.has_value());
  CHECK(back->storage->state == "full");
  CHECK(back->storage->full_since == HubTime{std::chrono::milliseconds{1'700'000'000'000}});
  CHECK(back->storage->available_bytes == 4096);
  // A hub from before issue 22 sends no storage; unset times read back as none.
  GatewayStatus old;
  old.gateway = kGw;
  auto back_old = decode_status(encode_status(old));
  REQUIRE(back_old.has_value());
  CHECK_FALSE(back_old->storage.has_value());
  CHECK_FALSE(back_old->oldest_unacked.has_value());
}

TEST_CASE("wire status: garbage -> kMalformed") {
  CHECK_FALSE(decode_status(std::string("\xff\xff\xff", 3)).has_value());
}

TEST_CASE("wire batch: encoded outbox payloads -> decode to the same readings") {
  std::vector<Reading> readings{finalized(Weight{80}, "1"), finalized(Temperature{37.2}, "2")};
  std::vector<std::string> payloads{encode_reading(readings[0]), encode_reading(readings[1])};
  auto batch = encode_batch(kGw, 9, kNow, payloads);
  REQUIRE(batch.has_value());
  auto decoded = decode_batch(*batch);
  REQUIRE(decoded.has_value());
  CHECK(decoded->batch_id == 9);
  CHECK(decoded->gateway == kGw);
  CHECK(decoded->sent_unix_ms == kNow.time_since_epoch().count());
  CHECK(decoded->readings == readings);
}

TEST_CASE("wire batch: an outbox payload that is not a Reading -> kMalformed at its index") {
  std::vector<std::string> payloads{encode_reading(finalized(Weight{80}, "1")),
                                    std::string("\xff\xff", 2)};
  auto batch = encode_batch(kGw, 1, kNow, payloads);
  REQUIRE_FALSE(batch.has_value());
  CHECK(batch.error().offset == 1);
}

TEST_CASE("wire ack: every uid with its disposition -> the same back") {
  Ack ack{kGw,
          4,
          {{"gw-1/SN1/r1/bp", Disposition::kStored},
           {"gw-1/SN1/r2/bp", Disposition::kDuplicate},
           {"gw-1/SN1/r3/bp", Disposition::kQuarantined},
           {"gw-1/SN1/r4/bp", Disposition::kRejected}}};
  auto back = decode_ack(encode_ack(ack));
  REQUIRE(back.has_value());
  CHECK(back->gateway == kGw);
  CHECK(back->batch_id == 4);
  REQUIRE(back->readings.size() == 4);
  CHECK(back->readings[1].reading_uid == "gw-1/SN1/r2/bp");
  CHECK(back->readings[1].disposition == Disposition::kDuplicate);
  CHECK(back->readings[3].disposition == Disposition::kRejected);
}

TEST_CASE("wire ack: malformed payloads, no gateway id, an entry without uid -> kMalformed") {
  CHECK_FALSE(decode_ack(std::string("\xff\xff\xff", 3)).has_value());
  CHECK_FALSE(decode_ack("").has_value());  // no gateway id
  CHECK_FALSE(decode_ack("not protobuf at all").has_value());
  CHECK_FALSE(decode_ack(encode_ack(Ack{kGw, 1, {{"", Disposition::kStored}}})).has_value());
}
