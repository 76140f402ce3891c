#include <doctest/doctest.h>

#include <sstream>

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
    "readings: more than `limit` -> the patient's newest `limit` by arrival, oldest of "
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
