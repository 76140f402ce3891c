#include "server/ingest/intake.h"

#include <doctest/doctest.h>

#include "proto/codec/wire.h"

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
  finalize_reading(kGw, r);
  return r;
}

}  // namespace

TEST_CASE("intake: hub clock years off, batch clock too -> rebased by the batch skew") {
  // A hub whose RTC says 2014: readings and batch stamped in that frame. Used to be rejected
  // (and then deleted from the hub's outbox: lost). Now moved into the server frame.
  const auto skew = std::chrono::milliseconds(-12LL * 365 * 86400 * 1000);
  auto r = finalized(BloodPressure{120, 80, {}, {}}, "1");
  auto skewed = r;
  skewed.hub_time += skew;
  skewed.clock_offset = *r.clock_offset + std::chrono::duration_cast<std::chrono::seconds>(skew);
  auto batch = decode_batch(wire::encode_batch(kGw, 1, kNow + skew, {skewed}), kNow);
  REQUIRE(batch.has_value());
  REQUIRE(batch->readings.size() == 1);
  const auto& got = batch->readings[0];
  CHECK(got.uid == r.uid);
  CHECK(got.hub_time == r.hub_time);
  CHECK(got.clock_offset == r.clock_offset);
  CHECK(got.quality.clock_suspect);
}

TEST_CASE("intake: hub time absurd but batch time right -> pinned to arrival, flagged") {
  auto r = finalized(Weight{80}, "1");
  auto absurd = r;
  absurd.hub_time = HubTime{std::chrono::milliseconds{5}};  // 1970: RTC reset when measured
  auto batch = decode_batch(wire::encode_batch(kGw, 1, kNow, {absurd}), kNow);
  REQUIRE(batch.has_value());
  REQUIRE(batch->readings.size() == 1);
  CHECK(batch->readings[0].hub_time == kNow);
  CHECK_FALSE(batch->readings[0].clock_offset.has_value());
  CHECK(batch->readings[0].quality.clock_suspect);
  // Plausible times are left alone.
  auto fine = decode_batch(wire::encode_batch(kGw, 1, kNow, {r}), kNow);
  REQUIRE(fine.has_value());
  CHECK(fine->readings[0] == r);
}

TEST_CASE("intake: device clock hours off -> accepted, offset kept (invariant 6)") {
  auto r = finalized(Weight{80}, "1");
  r.device_time = *r.device_time + 5h;
  r.clock_offset = 5h;
  auto batch = decode_batch(wire::encode_batch(kGw, 1, kNow, {r}), kNow);
  REQUIRE(batch.has_value());
  REQUIRE(batch->readings.size() == 1);
  CHECK(batch->readings[0].clock_offset == 5h);
}

TEST_CASE("intake: a bad reading -> rejected with its uid and bytes, the batch still decodes") {
  auto r = finalized(Weight{80}, "1");
  auto forged = finalized(Weight{81}, "2");
  forged.uid = ReadingUid{"gw-1/SER1/r999/weight"};
  auto batch = decode_batch(wire::encode_batch(kGw, 3, kNow, {r, forged}), kNow);
  REQUIRE(batch.has_value());
  CHECK(batch->batch_id == 3);
  CHECK(batch->readings.size() == 1);
  REQUIRE(batch->rejected.size() == 1);
  CHECK(batch->rejected[0].reading_uid == forged.uid.value);
  CHECK_FALSE(batch->rejected[0].payload.empty());
}

TEST_CASE("intake: encode_ack -> every uid with its disposition, empty uids skipped") {
  std::vector<store::ReadingOutcome> outcomes{
      {"a", store::Disposition::kStored},      {"b", store::Disposition::kDuplicate},
      {"c", store::Disposition::kQuarantined}, {"d", store::Disposition::kRejected},
      {"e", store::Disposition::kConflict},    {"", store::Disposition::kRejected}};
  auto ack = wire::decode_ack(encode_ack(kGw, 9, outcomes));
  REQUIRE(ack.has_value());
  CHECK(ack->gateway == kGw);
  CHECK(ack->batch_id == 9);
  std::vector<wire::AckEntry> want{{"a", wire::Disposition::kStored},
                                   {"b", wire::Disposition::kDuplicate},
                                   {"c", wire::Disposition::kQuarantined},
                                   {"d", wire::Disposition::kRejected},
                                   {"e", wire::Disposition::kStored}};  // conflict: stored
  REQUIRE(ack->readings.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    CHECK(ack->readings[i].reading_uid == want[i].reading_uid);
    CHECK(ack->readings[i].disposition == want[i].disposition);
  }
}
