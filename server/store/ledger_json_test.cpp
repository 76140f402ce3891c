// A reading's JSON through the ledger (issue 16): its values are encoded once on its way in,
// whatever becomes of it (stored, duplicate, conflict, held), and every item held in
// quarantine for a reading the server decoded carries that reading (reading_json), so it can
// be shown and released. Both backends.
#include <doctest/doctest.h>

#include "server/store/reading_json.h"
#include "tests/support/readings.h"
#include "tests/support/store_fixture.h"

using namespace kotona;
using namespace kotona::server::store;
using namespace std::chrono_literals;

namespace {

const GatewayId kGw{"gw-1"};
const HubTime kNow{std::chrono::milliseconds{1'790'000'000'000}};

Reading bp(const std::string& record, double systolic, double diastolic,
           const std::string& serial = "BP1") {
  return test::bp(kGw, serial, record, systolic, diastolic, kNow - 1min);
}

// patient-1's cuff BP1, enrolled as of kNow.
test::StoreFixture enrolled() { return test::StoreFixture(test::enrolments(kGw, {"BP1"}), kNow); }

BatchOutcome store(test::StoreFixture& f, std::vector<Reading> readings,
                   const GatewayId& topic = kGw) {
  auto out = f.store->ledger().store_batch(topic, {kGw, 1, std::move(readings), {}}, kNow);
  REQUIRE(out.has_value());
  return *out;
}

// How many times storing `readings` encoded a measurement to JSON.
std::uint64_t encodes_of(test::StoreFixture& f, std::vector<Reading> readings,
                         const GatewayId& topic = kGw) {
  const auto before = measurement_encodes();
  store(f, std::move(readings), topic);
  return measurement_encodes() - before;
}

// The one held item; its reading_json decoded.
std::pair<QuarantineItem, std::optional<Reading>> only_item(test::StoreFixture& f) {
  auto items = f.store->ledger().quarantined({}, 10).value();
  REQUIRE(items.size() == 1);
  auto held = decode_reading_json(items[0].reading_json);
  return {std::move(items[0]), std::move(held)};
}

// The uid `second` is stored under when `first` holds its uid first (found in a store of its
// own, so no test spells the derivation).
std::string derived_uid_of(const Reading& first, const Reading& second) {
  auto scratch = enrolled();
  store(scratch, {first});
  auto out = store(scratch, {second});
  REQUIRE(out.readings.at(0).disposition == Disposition::kConflict);
  return out.readings[0].stored_as;
}

}  // namespace

TEST_CASE("ledger JSON: values encoded once per reading, stored, duplicate, conflict, held") {
  auto f = enrolled();
  CHECK(encodes_of(f, {bp("1", 120, 80)}) == 1);                         // stored
  CHECK(encodes_of(f, {bp("1", 120, 80)}) == 1);                         // duplicate
  CHECK(encodes_of(f, {bp("1", 150, 90)}) == 1);                         // conflict: derived uid
  CHECK(encodes_of(f, {bp("2", 120, 80, "UNKNOWN9")}) == 1);             // not enrolled
  CHECK(encodes_of(f, {bp("3", 120, 80)}, GatewayId{"gw-other"}) == 1);  // identity mismatch
  CHECK(encodes_of(f, {bp("4", 120, 80), bp("5", 121, 81), bp("5", 122, 82)}) == 3);
  CHECK(f.rows("readings") == 5);
}

TEST_CASE("ledger JSON: not enrolled -> the held item carries the decoded reading") {
  auto f = enrolled();
  const auto reading = bp("1", 185, 110, "UNKNOWN9");
  CHECK(store(f, {reading}).readings.at(0).disposition == Disposition::kQuarantined);
  auto [item, held] = only_item(f);
  CHECK(item.reason == "not_enrolled");
  CHECK(item.gateway == "gw-1");
  CHECK(item.device == "UNKNOWN9");
  REQUIRE(held);
  CHECK(*held == reading);
}

TEST_CASE("ledger JSON: identity mismatch -> the held item carries the decoded reading") {
  auto f = enrolled();
  const auto reading = bp("1", 120, 80);
  store(f, {reading}, GatewayId{"gw-other"});
  auto [item, held] = only_item(f);
  CHECK(item.reason == "identity_mismatch");
  CHECK(item.gateway == "gw-other");  // the topic's hub
  REQUIRE(held);
  CHECK(*held == reading);
}

TEST_CASE(
    "ledger JSON: uid conflict whose derived uid holds other content (hash collision) -> "
    "held with the decoded reading, hub and device, once per re-send") {
  const auto first = bp("28", 120, 80);
  const auto second = bp("28", 185, 115);
  auto squatter = bp("29", 140, 90);  // other content under second's derived uid
  squatter.uid = ReadingUid{derived_uid_of(first, second)};
  auto f = enrolled();
  store(f, {first, squatter});
  const auto before = measurement_encodes();
  auto out = store(f, {second});
  CHECK(measurement_encodes() - before == 1);
  CHECK(out.readings.at(0).disposition == Disposition::kQuarantined);
  CHECK(out.readings[0].reason == "uid_conflict");
  auto [item, held] = only_item(f);
  CHECK(item.reason == "uid_conflict");
  CHECK(item.reading_uid == second.uid.value);
  CHECK(item.gateway == "gw-1");
  CHECK(item.device == "BP1");
  REQUIRE(held);
  CHECK(*held == second);
  store(f, {second});  // its ack was lost: the same reading is not held twice
  CHECK(f.rows("quarantine") == 1);
  CHECK(f.rows("readings") == 2);
}

TEST_CASE("ledger JSON: a reading the codec rejected -> held without reading_json (none decoded)") {
  auto f = enrolled();
  RejectedReading bad{"gw-1/BP1/r9/bp", Error{Errc::kMalformed, 0, "NaN"}, "\x01\x02"};
  REQUIRE(f.store->ledger().store_batch(kGw, {kGw, 1, {}, {bad}}, kNow));
  auto [item, held] = only_item(f);
  CHECK(item.reason.starts_with("invalid"));
  CHECK(item.reading_json.empty());
  CHECK(item.payload_bytes == 2);
}

TEST_CASE("ledger JSON: an undecodable payload -> held without reading_json") {
  test::StoreFixture f;
  REQUIRE(f.store->ledger().quarantine_payload("kotona/v1/gw/gw-1/readings", "gw-1", "bad_payload",
                                               "\x01", kNow));
  auto [item, held] = only_item(f);
  CHECK(item.reading_json.empty());
  CHECK_FALSE(held);
}

TEST_CASE("encode_reading_json: the text held items always had, with or without values_json") {
  // Printed by the Boost.JSON object encode_reading_json built before issue 16: items held
  // before read the same, and a re-sent reading is still found held (insert_quarantine).
  const char* kBefore[] = {
      R"({"reading_uid":"gw-1/DEV1/r42/bp","gateway_id":"gw-1","device_serial":"DEV1","vendor":"","model":"","driver":"","record_id":"42","kind":"bp","hub_time_unix_ms":1790000000000,"values":{"systolic_mmhg":185,"diastolic_mmhg":115,"mean_arterial_mmhg":138,"pulse_per_min":71},"quality":{"clock_suspect":false,"clock_missing":false,"irregular_pulse":true,"body_movement":false,"device_error":false,"control_result":false,"implausible":false,"device_time_precision":"minute","uid_conflict":false},"device_time_unix_s":1790000000,"clock_offset_s":90})",
      R"({"reading_uid":"gw-1/DEV1/r42/weight","gateway_id":"gw-1","device_serial":"DEV1","vendor":"","model":"","driver":"","record_id":"42","kind":"weight","hub_time_unix_ms":1790000000000,"values":{"kg":81.5},"quality":{"clock_suspect":false,"clock_missing":false,"irregular_pulse":true,"body_movement":false,"device_error":false,"control_result":false,"implausible":false,"device_time_precision":"minute","uid_conflict":false},"device_time_unix_s":1790000000,"clock_offset_s":90})",
      R"({"reading_uid":"gw-1/DEV1/r42/inr","gateway_id":"gw-1","device_serial":"DEV1","vendor":"","model":"","driver":"","record_id":"42","kind":"inr","hub_time_unix_ms":1790000000000,"values":{"ratio":4.5,"prothrombin_time_s":40,"strip_lot":"LOT7"},"quality":{"clock_suspect":false,"clock_missing":false,"irregular_pulse":true,"body_movement":false,"device_error":false,"control_result":false,"implausible":false,"device_time_precision":"minute","uid_conflict":false},"device_time_unix_s":1790000000,"clock_offset_s":90})"};
  const Measurement kinds[] = {BloodPressure{185, 115, 138.0, 71.0}, Weight{81.5},
                               Inr{4.5, 40.0, "LOT7"}};
  for (std::size_t i = 0; i < std::size(kinds); ++i) {
    auto r = test::reading_of(kGw, "DEV1", "42", kinds[i], kNow);
    r.clock_offset = 90s;
    r.quality.irregular_pulse = true;
    r.quality.device_time_precision = TimePrecision::kMinute;
    CHECK(encode_reading_json(r) == kBefore[i]);
    CHECK(encode_reading_json(r, encode_values_json(r.measurement)) == kBefore[i]);
  }
}
