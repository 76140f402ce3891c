// store_batch() with many readings (issue 15): the rows are written by multi-row INSERTs and
// the enrolment read once per device, and every reading must still come out as if stored one
// by one: outcomes in batch order, a uid twice in a batch, patients by measured time across a
// device move, weight.gain seeing only the weights before each reading.
#include <doctest/doctest.h>

#include "server/store/store.h"
#include "tests/support/readings.h"
#include "tests/support/store_fixture.h"

using namespace kotona;
using namespace kotona::server::store;
using namespace std::chrono_literals;

namespace {

const GatewayId kGw{"gw-1"};
const HubTime kNow{std::chrono::milliseconds{1'790'000'000'000}};
const HubTime kMoved = kNow - 10h;  // BP1 goes from patient-1 to patient-2

Reading bp(int record, double systolic = 120) {
  // Records 1..: one a minute, the first 20 h ago, so the device move falls among them.
  return test::bp(kGw, "BP1", std::to_string(record), systolic, 80,
                  kNow - 20h + std::chrono::minutes(5 * record));
}

Reading weight(const std::string& record, double kg, HubTime measured) {
  return test::reading_of(kGw, "SCALE1", record, Weight{kg}, measured);
}

struct Fixture : test::StoreFixture {
  Fixture() {
    REQUIRE(store->patients().add_enrolment(
        {kGw, DeviceSerial{"BP1"}, PatientId{"patient-1"}, HubTime{}, kMoved}));
    REQUIRE(store->patients().add_enrolment(
        {kGw, DeviceSerial{"BP1"}, PatientId{"patient-2"}, kMoved, std::nullopt}));
    REQUIRE(store->patients().add_enrolment(
        {kGw, DeviceSerial{"SCALE1"}, PatientId{"patient-1"}, HubTime{}, std::nullopt}));
  }
  BatchOutcome store_ok(std::vector<Reading> readings) {
    auto r = store->ledger().store_batch(kGw, {kGw, 1, std::move(readings), {}}, kNow);
    REQUIRE(r.has_value());
    return *r;
  }
};

}  // namespace

TEST_CASE("store_batch: 200 readings, uid twice, re-sent and conflicting -> as one by one") {
  Fixture f;
  auto sent_before = bp(7);
  f.store_ok({sent_before});
  std::vector<Reading> batch;
  for (int i = 1; i <= 200; ++i) batch.push_back(bp(i));  // 7 is a re-send
  batch[40] = bp(30);        // the same reading twice, in one INSERT unless split
  batch[160] = bp(40, 185);  // uid of record 40, other values: a conflict, crisis alert
  const auto out = f.store_ok(batch);
  REQUIRE(out.readings.size() == 200);
  for (std::size_t i = 0; i < 200; ++i) {
    CHECK(out.readings[i].reading_uid == batch[i].uid.value);  // batch order
    Disposition want = Disposition::kStored;
    if (i == 6 || i == 40) want = Disposition::kDuplicate;
    if (i == 160) want = Disposition::kConflict;
    CHECK_MESSAGE(out.readings[i].disposition == want, "reading " << i);
  }
  // 200 - 2 duplicates, + the one stored earlier: the conflict's derived row replaces none.
  CHECK(f.store->count_rows("readings").value() == 199);
  const auto rows = f.store->ledger().readings(std::nullopt, 300).value();
  std::size_t moved = 0;
  for (const auto& row : rows) {
    const bool after_move = measured_time(row) >= kMoved;
    CHECK_MESSAGE(row.patient.value == (after_move ? "patient-2" : "patient-1"), row.uid.value);
    moved += after_move ? 1 : 0;
  }
  CHECK(moved > 0);
  CHECK(moved < rows.size());
  REQUIRE(out.new_alerts.size() == 2);  // bp.crisis of the derived reading, reading.uid_conflict
  CHECK(out.new_alerts[0].rule_id == "bp.crisis");
  CHECK(out.new_alerts[0].reading_uid.value == out.readings[160].stored_as);
}

TEST_CASE("store_batch: weights in one batch -> each compared with the weights before it") {
  Fixture f;
  // In batch order: 83.0 kg measured 1 h ago, then an earlier, lighter 80.5 kg (arrives late),
  // then 83.2 kg. One by one, the first sees no earlier weight (nothing fires) and the third
  // sees 80.5 (+2.7 kg: fires). Written all at once, the first would see 80.5 and fire too.
  auto out = f.store_ok({bp(1), weight("1", 83.0, kNow - 1h), bp(2), weight("2", 80.5, kNow - 20h),
                         bp(3), bp(4), weight("3", 83.2, kNow - 30min)});
  REQUIRE(out.new_alerts.size() == 1);
  CHECK(out.new_alerts[0].rule_id == "weight.gain");
  CHECK(out.new_alerts[0].reading_uid == weight("3", 83.2, kNow - 30min).uid);
  CHECK(f.store->count_rows("readings").value() == 7);
}
