// The record outbox (issue 19 part 2): a row per stored reading written in the storing
// transaction (none for a duplicate, a quarantined reading or a rolled-back batch), and the
// leases the sender takes: storage order per patient, a patient held back behind a row in
// backoff, one instance per row, dead letters.
#include "server/store/record_outbox.h"

#include <doctest/doctest.h>

#include "server/store/store.h"
#include "tests/support/process.h"
#include "tests/support/readings.h"
#include "tests/support/refuse_trigger.h"
#include "tests/support/store_location.h"

using namespace kotona;
using namespace kotona::server::store;
using namespace std::chrono_literals;

namespace {

const GatewayId kGw{"gw-1"};
const HubTime kNow{std::chrono::milliseconds{1'790'000'000'000}};

Reading reading_of(const std::string& serial, int record, Measurement m) {
  return test::reading_of(kGw, serial, std::to_string(record), std::move(m),
                          kNow - 10h + std::chrono::minutes(record));
}

// BP1 is patient-1's, BP2 patient-2's, SCALE1 patient-1's; REFUSED's rows the database refuses.
Reading bp(const std::string& serial, int record, double systolic = 120) {
  return reading_of(serial, record, BloodPressure{systolic, 80, std::nullopt, 70});
}

struct OutboxFixture {
  test::TempDir dir;
  std::string location = test::test_store_location(dir.path());
  std::unique_ptr<Store> store;
  std::uint64_t next_batch = 1;
  // `push`: as the server with (true) or without (false) a record_endpoint.
  explicit OutboxFixture(bool push = true) {
    auto opened = Store::open(location);
    REQUIRE(opened.has_value());
    store = std::move(*opened);
    store->ledger().set_record_push(push);
    const std::pair<const char*, const char*> bindings[] = {{"BP1", "patient-1"},
                                                            {"BP2", "patient-2"},
                                                            {"SCALE1", "patient-1"},
                                                            {"REFUSED", "patient-1"}};
    for (const auto& [serial, patient] : bindings) {
      REQUIRE(store->patients().add_enrolment(
          {kGw, DeviceSerial{serial}, PatientId{patient}, HubTime{}, std::nullopt}));
    }
    REQUIRE(test::refuse_readings_of(location, "REFUSED"));
  }
  Result<BatchOutcome> store_batch(std::vector<Reading> readings) {
    return store->ledger().store_batch(kGw, {kGw, next_batch++, std::move(readings), {}}, kNow);
  }
  std::int64_t outbox() { return store->count_rows("record_outbox").value_or(-1); }
  // "seq patient_id" per row of `sql`'s two columns, in order.
  std::vector<std::string> rows_of(const std::string& sql) {
    auto db = connection();
    auto stmt = db->prepare(sql);
    REQUIRE(stmt.has_value());
    std::vector<std::string> out;
    while (stmt->step().value()) {
      out.push_back(std::to_string(stmt->column_int(0)) + " " + stmt->column_text(1));
    }
    return out;
  }
  // A second connection, as the sender (and another server instance) has.
  std::unique_ptr<Database> connection() {
    auto db = Database::open(location);
    REQUIRE(db.has_value());
    return std::move(*db);
  }
};

std::vector<std::string> uids(const std::vector<OutboxItem>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) out.push_back(item.reading.uid.value);
  return out;
}

std::vector<std::int64_t> seqs(const std::vector<OutboxItem>& items) {
  std::vector<std::int64_t> out;
  for (const auto& item : items) out.push_back(item.seq);
  return out;
}

}  // namespace

TEST_CASE("record outbox: a stored reading -> one row, duplicate and quarantined -> none") {
  OutboxFixture f;
  auto first = f.store_batch({bp("BP1", 1), bp("BP2", 1), bp("UNKNOWN", 1)});
  REQUIRE(first.has_value());
  CHECK(first->readings[2].disposition == Disposition::kQuarantined);
  CHECK(f.outbox() == 2);
  // Re-sent (its ack was lost): duplicates, no second row.
  auto again = f.store_batch({bp("BP1", 1), bp("BP2", 1)});
  REQUIRE(again.has_value());
  CHECK(again->readings[0].disposition == Disposition::kDuplicate);
  CHECK(f.outbox() == 2);
  // A uid conflict stores the second measurement under a derived uid: it goes out too.
  auto conflict = f.store_batch({bp("BP1", 1, 150)});
  REQUIRE(conflict.has_value());
  REQUIRE(conflict->readings[0].disposition == Disposition::kConflict);
  CHECK(f.outbox() == 3);
  auto db = f.connection();
  RecordOutbox outbox(*db, "instance-1");
  auto items = outbox.claim(kNow, 60s, 10);
  REQUIRE(items.has_value());
  CHECK(uids(*items) == std::vector<std::string>{bp("BP1", 1).uid.value, bp("BP2", 1).uid.value,
                                                 conflict->readings[0].stored_as});
  CHECK(items->at(0).reading.patient.value == "patient-1");
  CHECK(items->at(0).attempts == 1);
  // Each row names its reading's seq and patient as the readings INSERT returned them.
  CHECK(f.rows_of("SELECT reading_seq, patient_id FROM record_outbox ORDER BY reading_seq") ==
        f.rows_of("SELECT seq, patient_id FROM readings ORDER BY seq"));
}

TEST_CASE("record outbox: push off -> no row on any path, on later -> only what is stored then") {
  OutboxFixture f(false);
  auto first = f.store_batch({bp("BP1", 1), bp("BP2", 1), bp("UNKNOWN", 1)});
  REQUIRE(first.has_value());
  CHECK(first->readings[0].disposition == Disposition::kStored);
  // A uid conflict (derived uid), group commit, a released quarantine item: stored, not queued.
  auto conflict = f.store_batch({bp("BP1", 1, 150)});
  REQUIRE(conflict.has_value());
  REQUIRE(conflict->readings[0].disposition == Disposition::kConflict);
  std::vector<GroupedBatch> group{{kGw, {kGw, 90, {bp("BP2", 2)}, {}}, kNow},
                                  {kGw, {kGw, 91, {bp("BP1", 2)}, {}}, kNow}};
  auto grouped = f.store->ledger().store_batches(group);
  REQUIRE(grouped.has_value());
  for (const auto& batch : *grouped) REQUIRE(batch.has_value());
  REQUIRE(f.store->patients().add_enrolment(
      {kGw, DeviceSerial{"UNKNOWN"}, PatientId{"patient-2"}, HubTime{}, std::nullopt}));
  auto held = f.store->ledger().quarantined({}, 10);
  REQUIRE(held.has_value());
  REQUIRE(held->size() == 1);
  auto released = f.store->ledger().release_quarantined(held->at(0).id, "admin", kNow);
  REQUIRE(released.has_value());
  CHECK(f.store->count_rows("readings").value() == 6);
  CHECK(f.outbox() == 0);
  // Turned on: the readings stored while it was off are not sent (no backfill), new ones are.
  f.store->ledger().set_record_push(true);
  REQUIRE(f.store_batch({bp("BP1", 3), bp("BP1", 1)}).has_value());
  CHECK(f.outbox() == 1);
  auto db = f.connection();
  RecordOutbox outbox(*db, "instance-1");
  auto items = outbox.claim(kNow, 60s, 10);
  REQUIRE(items.has_value());
  CHECK(uids(*items) == std::vector<std::string>{bp("BP1", 3).uid.value});
}

TEST_CASE("record outbox: a rolled-back batch -> no row, also when rows were written before") {
  OutboxFixture f;
  // The weight makes the ledger write BP1 and SCALE1 (and their outbox rows) before REFUSED's
  // INSERT fails: the rollback must take those rows with it.
  auto refused =
      f.store_batch({bp("BP1", 1), reading_of("SCALE1", 1, Weight{80.0}), bp("REFUSED", 1)});
  CHECK_FALSE(refused.has_value());
  CHECK(f.store->count_rows("readings").value() == 0);
  CHECK(f.outbox() == 0);
  REQUIRE(f.store_batch({bp("BP1", 1), reading_of("SCALE1", 1, Weight{80.0})}).has_value());
  CHECK(f.outbox() == 2);
}

TEST_CASE("record outbox: leases, storage order per patient, backoff holds the patient back") {
  OutboxFixture f;
  REQUIRE(f.store_batch({bp("BP1", 1), bp("BP2", 1), bp("BP1", 2), bp("BP2", 2)}).has_value());
  auto db1 = f.connection();
  auto db2 = f.connection();
  RecordOutbox one(*db1, "instance-1");
  RecordOutbox two(*db2, "instance-2");
  auto a = one.claim(kNow, 60s, 1);
  REQUIRE(a.has_value());
  REQUIRE(uids(*a) == std::vector<std::string>{bp("BP1", 1).uid.value});
  // Instance 2 gets patient-2's rows only: patient-1's second waits behind the leased first.
  auto b = two.claim(kNow, 60s, 10);
  REQUIRE(b.has_value());
  CHECK(uids(*b) == std::vector<std::string>{bp("BP2", 1).uid.value, bp("BP2", 2).uid.value});
  // Patient-1's first fails: backoff 30 s; its second still waits (order), nothing is due.
  REQUIRE(one.retry_later(seqs(*a), kNow + 30s, "HTTP 503"));
  auto none = two.claim(kNow + 1s, 60s, 10);
  REQUIRE(none.has_value());
  CHECK(none->empty());
  // Done rows are not taken again; once due, patient-1's rows go out in order.
  REQUIRE(two.mark_done(seqs(*b), kNow + 1s));
  auto later = two.claim(kNow + 31s, 60s, 10);
  REQUIRE(later.has_value());
  CHECK(uids(*later) == std::vector<std::string>{bp("BP1", 1).uid.value, bp("BP1", 2).uid.value});
  CHECK(later->at(0).attempts == 2);
  // A lease that expired (its instance died) is taken over.
  auto taken_over = one.claim(kNow + 31s + 61s, 60s, 10);
  REQUIRE(taken_over.has_value());
  CHECK(taken_over->size() == 2);
  // The old holder's retry no longer applies; its done does (the record system has them).
  REQUIRE(two.retry_later(seqs(*later), kNow + 999s, "late"));
  REQUIRE(one.mark_done(seqs(*taken_over), kNow + 100s));
  auto counts = one.counts();
  REQUIRE(counts.has_value());
  CHECK(counts->pending == 0);
  CHECK(counts->done == 4);
  auto pruned = one.prune_done(kNow + 101s);
  REQUIRE(pruned.has_value());
  CHECK(*pruned == 4);
}

TEST_CASE("record outbox: a rejected batch goes solo, the rejected row to the dead letters") {
  OutboxFixture f;
  REQUIRE(f.store_batch({bp("BP1", 1), bp("BP1", 2), bp("BP1", 3)}).has_value());
  auto db = f.connection();
  RecordOutbox outbox(*db, "instance-1");
  auto batch = outbox.claim(kNow, 60s, 10);
  REQUIRE(batch.has_value());
  REQUIRE(batch->size() == 3);
  REQUIRE(outbox.retry_later(seqs(*batch), kNow, "HTTP 422", true));
  auto solo = outbox.claim(kNow, 60s, 10);
  REQUIRE(solo.has_value());
  REQUIRE(solo->size() == 1);
  REQUIRE(outbox.mark_done(seqs(*solo), kNow));
  auto rejected = outbox.claim(kNow, 60s, 10);
  REQUIRE(rejected.has_value());
  REQUIRE(uids(*rejected) == std::vector<std::string>{bp("BP1", 2).uid.value});
  REQUIRE(outbox.dead_letter({rejected->at(0).seq, bp("BP1", 2).uid.value, "patient-1", kNow, 422,
                              R"({"resourceType":"OperationOutcome"})"}));
  // The dead row holds nothing back.
  auto last = outbox.claim(kNow, 60s, 10);
  REQUIRE(last.has_value());
  CHECK(uids(*last) == std::vector<std::string>{bp("BP1", 3).uid.value});
  auto letters = outbox.dead_letters(10);
  REQUIRE(letters.has_value());
  REQUIRE(letters->size() == 1);
  CHECK(letters->at(0).reading_uid == bp("BP1", 2).uid.value);
  CHECK(letters->at(0).http_status == 422);
  CHECK(letters->at(0).outcome_json == R"({"resourceType":"OperationOutcome"})");
  CHECK(outbox.counts().value().dead == 1);
}
