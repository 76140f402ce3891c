#include <doctest/doctest.h>

#include <set>
#include <sstream>

#include "server/store/database.h"
#include "server/store/store.h"
#include "tests/support/readings.h"
#include "tests/support/store_fixture.h"

using namespace kotona;
using namespace kotona::server::store;
using namespace std::chrono_literals;

namespace {

const GatewayId kGw{"gw-1"};
const HubTime kNow{std::chrono::milliseconds{1'790'000'000'000}};

// A BP reading measured `ago` before kNow by a device whose clock runs `skew` ahead.
Reading reading_at(const std::string& serial, const std::string& record, std::chrono::minutes ago,
                   std::chrono::seconds skew) {
  Reading r = test::bp(kGw, serial, record, 120, 80, kNow - ago);
  r.hub_time = kNow;
  *r.device_time += skew;
  r.clock_offset = skew;
  finalize_reading(kGw, r);
  return r;
}

// p1's cuff BP1 (and p2's BP2 with `both`), enrolled as of kNow.
test::StoreFixture enrolled(bool both) {
  std::vector<Enrolment> seed{{kGw, DeviceSerial{"BP1"}, PatientId{"p1"}, HubTime{}, std::nullopt}};
  if (both) seed.push_back({kGw, DeviceSerial{"BP2"}, PatientId{"p2"}, HubTime{}, std::nullopt});
  return test::StoreFixture(std::move(seed), kNow);
}

}  // namespace

TEST_CASE("readings_measured_between: from inclusive, to exclusive, corrected time, one patient") {
  auto f = enrolled(true);
  auto& store = f.store;
  // Device clock 2 h ahead: its raw time would fall outside the range, corrected time inside.
  auto a = reading_at("BP1", "1", 60min, 2h);
  auto b = reading_at("BP1", "2", 30min, 0s);
  auto c = reading_at("BP1", "3", 10min, -1h);
  auto other = reading_at("BP2", "1", 30min, 0s);
  REQUIRE(store->ledger().store_batch(kGw, {kGw, 1, {c, a, b, other}, {}}, kNow).has_value());

  auto all =
      store->ledger().readings_measured_between(PatientId{"p1"}, HubTime{}, std::nullopt, 100);
  REQUIRE(all.has_value());
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].uid == a.uid);  // ascending measured time, not arrival order
  CHECK((*all)[1].uid == b.uid);
  CHECK((*all)[2].uid == c.uid);
  for (std::size_t i = 0; i < 3; ++i) {
    const Reading& source = i == 0 ? a : (i == 1 ? b : c);
    CHECK(measured_time((*all)[i]) == measured_time(source));
  }
  // from inclusive, to exclusive.
  auto mid = store->ledger().readings_measured_between(PatientId{"p1"}, measured_time(b),
                                                       measured_time(c), 100);
  REQUIRE(mid.has_value());
  REQUIRE(mid->size() == 1);
  CHECK((*mid)[0].uid == b.uid);
  auto limited =
      store->ledger().readings_measured_between(PatientId{"p1"}, HubTime{}, std::nullopt, 2);
  CHECK(limited->size() == 2);
}

TEST_CASE("has_patient: enrolled -> true, never enrolled -> false") {
  auto f = enrolled(false);
  auto& store = f.store;
  CHECK(store->patients().has_patient(PatientId{"p1"}).value());
  CHECK_FALSE(store->patients().has_patient(PatientId{"p9"}).value());
}

TEST_CASE(
    "readings_measured_between: the range is read from the (patient, measured time) "
    "index, not by scanning and sorting the patient's rows (issue 15)") {
  auto f = enrolled(false);
  auto& store = f.store;
  Batch batch{kGw, 1, {}, {}};
  for (int i = 0; i < 300; ++i) {
    batch.readings.push_back(reading_at("BP1", std::to_string(i), std::chrono::minutes{i}, 0s));
  }
  REQUIRE(store->ledger().store_batch(kGw, batch, kNow).has_value());
  auto plan = store->ledger().range_query_plan_for_test(PatientId{"p1"});
  REQUIRE(plan.has_value());
  INFO(*plan);
  CHECK(plan->find("readings_patient_measured") != std::string::npos);
  CHECK(plan->find("TEMP B-TREE") == std::string::npos);  // SQLite: no sort step
  CHECK(plan->find("Sort") == std::string::npos);         // PostgreSQL: no sort step
  // The end of the range bounds the index search, not a filter after it (else a day's query
  // reads every later row of the patient).
  bool bounded = false;
  std::istringstream lines(*plan);
  for (std::string line; std::getline(lines, line);) {
    const bool search = line.find("SEARCH") != std::string::npos ||
                        line.find("Index Cond") != std::string::npos;
    bounded = bounded || (search && (line.find("measured_unix_ms<") != std::string::npos ||
                                     line.find("measured_unix_ms < ") != std::string::npos));
  }
  CHECK(bounded);
}

TEST_CASE(
    "readings: more than `limit` -> the patient's newest `limit` by measured time, oldest of "
    "them first (issue 15)") {
  auto f = enrolled(true);
  auto& store = f.store;
  std::vector<Reading> sent;
  for (int i = 0; i < 5; ++i) {
    sent.push_back(reading_at("BP1", std::to_string(i), std::chrono::minutes{60 - i}, 0s));
    REQUIRE(store->ledger().store_batch(kGw, {kGw, 1, {sent.back()}, {}}, kNow).has_value());
  }
  REQUIRE(store->ledger().store_batch(kGw, {kGw, 2, {reading_at("BP2", "9", 1min, 0s)}, {}}, kNow));
  auto p1 = store->ledger().readings(PatientId{"p1"}, 2);
  REQUIRE(p1.has_value());
  REQUIRE(p1->size() == 2);
  CHECK((*p1)[0].uid == sent[3].uid);
  CHECK((*p1)[1].uid == sent[4].uid);
  auto everyone = store->ledger().readings(std::nullopt, 2);  // admin: every patient's, newest
  REQUIRE(everyone.has_value());
  REQUIRE(everyone->size() == 2);
  CHECK((*everyone)[0].uid == sent[4].uid);
  CHECK((*everyone)[1].patient.value == "p2");
}

TEST_CASE(
    "readings: a backlog that arrives last is not a patient's newest, everyone's by arrival") {
  auto f = enrolled(false);
  auto& ledger = f.store->ledger();
  auto fresh = reading_at("BP1", "10", 1min, 0s);
  auto backlog = reading_at("BP1", "5", 300min, 0s);  // measured earlier, sent after an outage
  REQUIRE(ledger.store_batch(kGw, {kGw, 1, {fresh}, {}}, kNow).has_value());
  REQUIRE(ledger.store_batch(kGw, {kGw, 2, {backlog}, {}}, kNow + 1s).has_value());
  auto p1 = ledger.readings(PatientId{"p1"}, 1).value();
  REQUIRE(p1.size() == 1);
  CHECK(p1[0].uid == fresh.uid);
  auto both = ledger.readings(PatientId{"p1"}, 2).value();
  REQUIRE(both.size() == 2);
  CHECK(both[0].uid == backlog.uid);  // oldest measured first
  auto everyone = ledger.readings(std::nullopt, 1).value();
  REQUIRE(everyone.size() == 1);
  CHECK(everyone[0].uid == backlog.uid);  // admin: newest by arrival
}

namespace {

// The names of the indexes on readings, as the database lists them.
std::set<std::string> readings_indexes(const std::string& location) {
  auto db = Database::open(location);
  REQUIRE(db.has_value());
  const bool pg = (*db)->backend() == "postgresql";
  auto stmt = (*db)->prepare(pg ? "SELECT indexname FROM pg_indexes WHERE tablename = ?"
                                : "SELECT name FROM sqlite_master WHERE type = 'index' AND "
                                  "tbl_name = ?");
  REQUIRE(stmt.has_value());
  stmt->bind(1, std::string_view("readings"));
  std::set<std::string> names;
  while (stmt->step().value()) names.insert(stmt->column_text(0));
  return names;
}

}  // namespace

TEST_CASE(
    "readings index budget: an older database loses readings_patient and readings_device at "
    "open, its devices' last reception kept (issue 15)") {
  auto f = enrolled(true);
  auto& ledger = f.store->ledger();
  REQUIRE(ledger.store_batch(kGw, {kGw, 1, {reading_at("BP1", "1", 30min, 0s)}, {}}, kNow));
  REQUIRE(ledger.store_batch(kGw, {kGw, 2, {reading_at("BP2", "1", 20min, 0s)}, {}}, kNow + 5s));
  REQUIRE(ledger.store_batch(kGw, {kGw, 3, {reading_at("BP1", "2", 10min, 0s)}, {}}, kNow + 9s));
  // Budget: the primary key aside, only the unique uid and the patient/measured index.
  for (const auto& name : readings_indexes(f.location)) {
    CHECK((name == "readings_patient_measured" || name.find("reading_uid") != std::string::npos ||
           name.find("autoindex") != std::string::npos || name.find("pkey") != std::string::npos));
  }
  auto& technical = f.store->technical();
  CHECK(technical.last_reading_received(kGw, DeviceSerial{"BP1"}).value() == kNow + 9s);
  CHECK(technical.last_reading_received(kGw, DeviceSerial{"BP2"}).value() == kNow + 5s);
  CHECK_FALSE(technical.last_reading_received(kGw, DeviceSerial{"BP9"}).value().has_value());
  // A duplicate stores nothing, so it is no reception of a reading.
  REQUIRE(ledger.store_batch(kGw, {kGw, 4, {reading_at("BP2", "1", 20min, 0s)}, {}}, kNow + 20s));
  CHECK(technical.last_reading_received(kGw, DeviceSerial{"BP2"}).value() == kNow + 5s);

  // The database as the server before the budget left it: both indexes, no reading_devices.
  f.store.reset();
  {
    auto db = Database::open(f.location);
    REQUIRE(db.has_value());
    REQUIRE((*db)->exec("DROP TABLE reading_devices").has_value());
    REQUIRE((*db)->exec("CREATE INDEX readings_patient ON readings(patient_id, seq)"));
    REQUIRE((*db)->exec("CREATE INDEX readings_device ON readings(gateway_id, device_serial)"));
  }
  CHECK(readings_indexes(f.location).contains("readings_device"));
  f.reopen();
  auto after = readings_indexes(f.location);
  CHECK_FALSE(after.contains("readings_patient"));
  CHECK_FALSE(after.contains("readings_device"));
  CHECK(after.contains("readings_patient_measured"));
  auto& reopened = f.store->technical();
  CHECK(reopened.last_reading_received(kGw, DeviceSerial{"BP1"}).value() == kNow + 9s);
  CHECK(reopened.last_reading_received(kGw, DeviceSerial{"BP2"}).value() == kNow + 5s);
  // The uid is still unique: the same reading again is a duplicate, not a second row.
  auto again = f.store->ledger().store_batch(kGw, {kGw, 5, {reading_at("BP1", "2", 10min, 0s)}, {}},
                                             kNow + 30s);
  REQUIRE(again.has_value());
  CHECK(f.rows("readings") == 3);
  CHECK(reopened.last_reading_received(kGw, DeviceSerial{"BP1"}).value() == kNow + 9s);
}
