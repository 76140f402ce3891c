// A reading typed in on the hub (issue 20 part 5): stored once with its provenance and the
// entering person, alerted exactly as the same value from a device, the alert saying it was
// typed; a database from before the column gets it at open and its rows read as device
// readings. Both backends.
#include <doctest/doctest.h>

#include "server/store/database.h"
#include "server/store/reading_json.h"
#include "tests/support/readings.h"
#include "tests/support/store_fixture.h"

using namespace kotona;
using namespace kotona::server::store;
using namespace std::chrono_literals;

namespace {

const GatewayId kGw{"gw-1"};
const HubTime kNow{std::chrono::milliseconds{1'790'000'000'000}};

// What gateway/manual_entry.cpp makes of a typed blood pressure.
Reading typed_bp(const std::string& entry, double systolic, double diastolic, Enterer who,
                 std::string name) {
  Reading r = test::bp(kGw, "manual", "m" + entry, systolic, diastolic, kNow - 2min);
  r.device.driver = "manual";
  r.provenance = Provenance{EntrySource::kManual, who, std::move(name)};
  return r;
}

// patient-1's cuff BP1 and the hub's manual entries, enrolled as of kNow.
test::StoreFixture enrolled() {
  return test::StoreFixture(test::enrolments(kGw, {"BP1", "manual"}), kNow);
}

std::vector<std::string> rule_ids(const BatchOutcome& out) {
  std::vector<std::string> ids;
  for (const auto& a : out.new_alerts) ids.push_back(a.rule_id);
  return ids;
}

}  // namespace

TEST_CASE(
    "manual reading: stored once with provenance and the entering person, re-send DUPLICATE") {
  auto f = enrolled();
  auto typed = typed_bp("f1", 142, 88, Enterer::kRelative, "Anna Virtanen");
  auto out = f.store->ledger().store_batch(kGw, {kGw, 1, {typed}, {}}, kNow);
  REQUIRE(out.has_value());
  CHECK(out->readings.at(0).disposition == Disposition::kStored);
  auto again = f.store->ledger().store_batch(kGw, {kGw, 2, {typed}, {}}, kNow + 1s);
  REQUIRE(again.has_value());
  CHECK(again->readings.at(0).disposition == Disposition::kDuplicate);
  CHECK(f.rows("readings") == 1);
  auto stored = f.store->ledger().readings(std::nullopt, 10).value();
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].provenance == typed.provenance);
  CHECK(stored[0].patient.value == "patient-1");
  // The patient's readings by measured time (page overview, FHIR export) carry it too.
  auto ranged = f.store->ledger()
                    .readings_measured_between(PatientId{"patient-1"}, kNow - 1h, kNow, 10)
                    .value();
  REQUIRE(ranged.size() == 1);
  CHECK(ranged[0].provenance == typed.provenance);
  // A device reading next to it stays a device reading.
  REQUIRE(f.store->ledger()
              .store_batch(kGw, {kGw, 3, {test::bp(kGw, "BP1", "7", 130, 80, kNow - 1min)}, {}},
                           kNow + 2s)
              .has_value());
  auto both = f.store->ledger().readings(std::nullopt, 10).value();
  REQUIRE(both.size() == 2);
  CHECK(both[1].provenance == Provenance{});
}

TEST_CASE(
    "manual reading: raises the alerts a device reading raises, the alert says it was typed") {
  auto device = enrolled();
  auto typed = enrolled();
  auto from_device = device.store->ledger().store_batch(
      kGw, {kGw, 1, {test::bp(kGw, "BP1", "1", 185, 100, kNow - 2min)}, {}}, kNow);
  auto from_typed = typed.store->ledger().store_batch(
      kGw, {kGw, 1, {typed_bp("f1", 185, 100, Enterer::kPatient, "")}, {}}, kNow);
  REQUIRE(from_device.has_value());
  REQUIRE(from_typed.has_value());
  CHECK(rule_ids(*from_typed) == rule_ids(*from_device));
  REQUIRE(rule_ids(*from_typed) == std::vector<std::string>{"bp.crisis"});
  const auto& alert = from_typed->new_alerts[0];
  CHECK(alert.priority == from_device->new_alerts[0].priority);
  CHECK(alert.values_json.find("\"entered\":\"patient\"") != std::string::npos);
  CHECK(alert.message.find("self-reported") != std::string::npos);
  CHECK(from_device->new_alerts[0].values_json.find("entered") == std::string::npos);
  // Only the role: the person's name is never in an alert.
  auto named = typed.store->ledger().store_batch(
      kGw, {kGw, 2, {typed_bp("f2", 190, 100, Enterer::kNurse, "sh. Laine")}, {}}, kNow + 1s);
  REQUIRE(named.has_value());
  const auto alerts = typed.store->alert_book().alerts_after(0, 10).value();
  REQUIRE(alerts.size() == 2);
  for (const auto& a : alerts) {
    CHECK(a.message.find("Laine") == std::string::npos);
    CHECK(a.values_json.find("Laine") == std::string::npos);
    CHECK(a.last_values_json.find("Laine") == std::string::npos);
  }
}

TEST_CASE("manual reading: database without provenance_json -> added at open, old rows device") {
  auto f = enrolled();
  REQUIRE(
      f.store->ledger()
          .store_batch(kGw, {kGw, 1, {test::bp(kGw, "BP1", "1", 130, 80, kNow - 1min)}, {}}, kNow)
          .has_value());
  f.store.reset();
  {
    auto db = Database::open(f.location);
    REQUIRE(db.has_value());
    REQUIRE((*db)->exec("ALTER TABLE readings DROP COLUMN provenance_json").has_value());
  }
  f.reopen();
  auto typed = typed_bp("f1", 142, 88, Enterer::kNurse, "sh. Laine (12345)");
  REQUIRE(f.store->ledger().store_batch(kGw, {kGw, 2, {typed}, {}}, kNow + 1s).has_value());
  auto stored = f.store->ledger().readings(std::nullopt, 10).value();
  REQUIRE(stored.size() == 2);
  CHECK(stored[0].provenance == Provenance{});
  CHECK(stored[1].provenance == typed.provenance);
}

TEST_CASE("provenance json: device -> NULL, typed -> round trip, unreadable stays manual") {
  CHECK_FALSE(encode_provenance_json(Provenance{}));
  const Provenance typed{EntrySource::kManual, Enterer::kRelative, "Anna \"A\" Virtanen"};
  auto text = encode_provenance_json(typed);
  REQUIRE(text);
  CHECK(decode_provenance_json(*text) == typed);
  CHECK(decode_provenance_json("not json").source == EntrySource::kManual);
  // Quarantine keeps it: a released typed reading is still typed.
  Reading r = typed_bp("f9", 120, 80, Enterer::kRelative, "Anna");
  auto back = decode_reading_json(encode_reading_json(r));
  REQUIRE(back);
  CHECK(back->provenance == r.provenance);
}
