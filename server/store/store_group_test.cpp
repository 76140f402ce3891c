// store_batches(), group commit (issue 15): the batches of one inbox turn in one transaction;
// when one is refused, the group again with a savepoint per batch. Each batch must come out as
// store_batch() alone would store it (a uid re-sent within the group is a duplicate, a conflict
// still quarantined-as-derived with its technical alert, a clinical alert raised once), and a batch
// the database refuses must cost the others in its group nothing. Runs on both backends
// ("[postgresql]" variant).
#include <doctest/doctest.h>

#include "server/store/store.h"
#include "tests/support/readings.h"
#include "tests/support/refuse_trigger.h"
#include "tests/support/store_fixture.h"

using namespace kotona;
using namespace kotona::server::store;
using namespace std::chrono_literals;

namespace {

const GatewayId kGw{"gw-g"};
const HubTime kNow{std::chrono::milliseconds{1'790'000'000'000}};

Reading bp_of(const std::string& serial, int record, double systolic = 120) {
  return test::bp(kGw, serial, std::to_string(record), systolic, 80,
                  kNow - std::chrono::minutes(100 - record));
}

struct GroupFixture : test::StoreFixture {
  std::uint64_t next_batch = 1;
  GroupFixture() {
    for (const char* serial : {"BP1", "REFUSED"}) {
      REQUIRE(store->patients().add_enrolment(
          {kGw, DeviceSerial{serial}, PatientId{"patient-1"}, HubTime{}, std::nullopt}));
    }
    REQUIRE(test::refuse_readings_of(location, "REFUSED"));
  }
  GroupedBatch batch(std::vector<Reading> readings) {
    return {kGw, {kGw, next_batch++, std::move(readings), {}}, kNow};
  }
  std::int64_t readings() { return store->count_rows("readings").value_or(-1); }
};

}  // namespace

TEST_CASE("group commit: a batch the database refuses -> rolled back alone, the others kept") {
  GroupFixture f;
  std::vector<GroupedBatch> group{f.batch({bp_of("BP1", 1)}),
                                  f.batch({bp_of("BP1", 2), bp_of("REFUSED", 1)}),
                                  f.batch({bp_of("BP1", 3, 190)})};
  auto out = f.store->ledger().store_batches(group);
  REQUIRE(out.has_value());
  REQUIRE(out->size() == 3);
  REQUIRE((*out)[0].has_value());
  CHECK((*out)[0]->readings.at(0).disposition == Disposition::kStored);
  CHECK_FALSE((*out)[1].has_value());  // nothing of it stored: BP1 record 2 neither
  REQUIRE((*out)[2].has_value());
  REQUIRE((*out)[2]->new_alerts.size() == 1);
  CHECK((*out)[2]->new_alerts[0].rule_id == "bp.crisis");
  CHECK(f.readings() == 2);
  // The refused batch's hub re-sends it (no ack) once the database takes it: stored then.
  auto again = f.store->ledger().store_batch(kGw, {kGw, 9, {bp_of("BP1", 2)}, {}}, kNow);
  REQUIRE(again.has_value());
  CHECK(again->readings.at(0).disposition == Disposition::kStored);
  CHECK(f.readings() == 3);
}

// The first attempt stored the batches before the refused one, with their alert; the second
// attempt starts from its rollback, so nothing of the first is left twice (issue 15).
TEST_CASE("group commit: a refused batch after an alerting one -> the alert raised once") {
  GroupFixture f;
  std::vector<GroupedBatch> group{f.batch({bp_of("BP1", 1, 190)}), f.batch({bp_of("REFUSED", 1)}),
                                  f.batch({bp_of("BP1", 2)})};
  auto out = f.store->ledger().store_batches(group);
  REQUIRE(out.has_value());
  REQUIRE(out->size() == 3);
  REQUIRE((*out)[0].has_value());
  CHECK((*out)[0]->readings.at(0).disposition == Disposition::kStored);
  REQUIRE((*out)[0]->new_alerts.size() == 1);
  CHECK_FALSE((*out)[1].has_value());
  REQUIRE((*out)[2].has_value());
  CHECK((*out)[2]->readings.at(0).disposition == Disposition::kStored);
  CHECK(f.readings() == 2);
  CHECK(f.store->count_rows("alerts").value_or(-1) == 1);
}

TEST_CASE("group commit: re-sends and conflicts within one group -> as batch by batch") {
  GroupFixture f;
  auto first = bp_of("BP1", 1, 190);  // crisis
  auto conflicting = bp_of("BP1", 1, 150);
  std::vector<GroupedBatch> group{f.batch({first}), f.batch({first}), f.batch({conflicting}),
                                  f.batch({bp_of("BP1", 2)})};
  auto out = f.store->ledger().store_batches(group);
  REQUIRE(out.has_value());
  REQUIRE(out->size() == 4);
  for (const auto& one : *out) REQUIRE(one.has_value());
  CHECK((*out)[0]->readings.at(0).disposition == Disposition::kStored);
  CHECK((*out)[1]->readings.at(0).disposition == Disposition::kDuplicate);
  CHECK((*out)[2]->readings.at(0).disposition == Disposition::kConflict);
  CHECK((*out)[3]->readings.at(0).disposition == Disposition::kStored);
  // The crisis raised once (the re-send adds nothing); the conflict's technical alert once.
  REQUIRE((*out)[0]->new_alerts.size() == 1);
  CHECK((*out)[0]->new_alerts[0].rule_id == "bp.crisis");
  CHECK((*out)[1]->new_alerts.empty());
  int conflict_alerts = 0;
  for (const auto& a : (*out)[2]->new_alerts) conflict_alerts += a.rule_id == "reading.uid_conflict";
  CHECK(conflict_alerts == 1);
  CHECK(f.readings() == 3);  // first, the conflict under its derived uid, record 2
}
