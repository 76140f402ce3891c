// Alert lifecycle in the store: grouping (never across priorities), acknowledge/resolve,
// events for SSE replay, the audit hash chain, escalation deadline rows, weight.gain.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include "server/store/audit.h"
#include "server/store/store.h"
#include "tests/support/process.h"
#include "tests/support/readings.h"
#include "tests/support/store_fixture.h"
#include "tests/support/store_location.h"

using namespace kotona;
using namespace kotona::server::store;
namespace alerts = kotona::server::alerts;
using namespace std::chrono_literals;

namespace {

const GatewayId kGw{"gw-1"};
const HubTime kNow{std::chrono::milliseconds{1'790'000'000'000}};

Reading reading_of(const std::string& serial, const std::string& record, Measurement m,
                   HubTime measured = kNow - 1min) {
  return test::reading_of(kGw, serial, record, std::move(m), measured);
}

Reading crisis(const std::string& record) {
  return test::bp(kGw, "BP1", record, 185, 100, kNow - 1min);
}

Reading battery(const std::string& record, BatteryStatus status) {
  CardiacImplantSummary s;
  s.battery_status = status;
  return reading_of("ICD1", record, s);
}

Reading weight(const std::string& record, double kg, HubTime measured) {
  return reading_of("SCALE1", record, Weight{kg}, measured);
}

// patient-1's cuff BP1, implant ICD1 and scale SCALE1, enrolled as of kNow.
struct Fixture : test::StoreFixture {
  Fixture() : StoreFixture(test::enrolments(kGw, {"BP1", "ICD1", "SCALE1"}), kNow) {}
  std::vector<StoredAlert> store_readings(std::vector<Reading> readings, HubTime at = kNow) {
    auto r = store->ledger().store_batch(kGw, {kGw, 1, std::move(readings), {}}, at);
    REQUIRE(r.has_value());
    return r->new_alerts;
  }
  // Raw SQL, as someone with the database file could run it (tamper tests).
  // Runs `text` on the store's database behind the server's back (a tamperer with database
  // access), first dropping trigger `unguard` (audit_log_no_update / _no_delete) if given.
  Result<void> try_sql(const std::string& text, const char* unguard = nullptr) {
    store.reset();
    auto db = Database::open(location);
    REQUIRE(db.has_value());
    if (unguard != nullptr) {
      const bool pg = (*db)->backend() == "postgresql";
      REQUIRE((*db)->exec(std::string("DROP TRIGGER ") + unguard + (pg ? " ON audit_log" : ""))
                  .has_value());
    }
    auto r = (*db)->exec(text);
    db->reset();
    reopen();
    return r;
  }
  void sql(const std::string& text, const char* unguard = nullptr) {
    auto r = try_sql(text, unguard);
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : describe(r.error())));
  }
};

}  // namespace

TEST_CASE("grouping: same patient, rule and priority -> one open alert counting crossings") {
  Fixture f;
  auto first = f.store_readings({crisis("1")});
  auto more = f.store_readings({crisis("2"), crisis("3")});
  REQUIRE(first.size() == 1);
  CHECK(first[0].change == "raised");
  REQUIRE(more.size() == 2);
  CHECK(more[0].change == "grouped");
  CHECK(more[1].change == "grouped");
  CHECK(more[0].alert_id == first[0].alert_id);
  CHECK(first[0].event_id < more[0].event_id);
  CHECK(more[0].event_id < more[1].event_id);
  CHECK(f.rows("alerts") == 1);
  auto list = f.store->alert_book().recent_alerts(10).value();
  REQUIRE(list.size() == 1);
  CHECK(list[0].crossings == 3);
  CHECK(list[0].last_reading_uid == crisis("3").uid);
  CHECK(list[0].reading_uid == crisis("1").uid);
  CHECK(list[0].event_id == more[1].event_id);
}

TEST_CASE("grouping: same rule at another priority -> never grouped, high stays visible") {
  Fixture f;
  // implant.battery_rrt_eri is medium at RRT/ERI and high at EOS: same rule, two priorities.
  f.store_readings({battery("1", BatteryStatus::kRrtEri)});
  auto high = f.store_readings({battery("2", BatteryStatus::kEos)});
  std::vector<Reading> flood;
  for (int i = 3; i < 53; ++i) flood.push_back(battery(std::to_string(i), BatteryStatus::kRrtEri));
  f.store_readings(flood);
  REQUIRE(high.size() == 1);
  CHECK(high[0].priority == alerts::Priority::kHigh);
  CHECK(high[0].change == "raised");
  auto highs = f.store->alert_book().recent_alerts(10, {alerts::Priority::kHigh, std::nullopt, std::nullopt}).value();
  REQUIRE(highs.size() == 1);
  CHECK(highs[0].state == AlertState::kOpen);
  CHECK(highs[0].crossings == 1);
  auto mediums = f.store->alert_book().recent_alerts(10, {alerts::Priority::kMedium, std::nullopt, std::nullopt}).value();
  REQUIRE(mediums.size() == 1);
  CHECK(mediums[0].crossings == 51);
  CHECK(f.rows("alerts") == 2);
}

TEST_CASE("lifecycle: ack with note, resolve, wrong state and unknown alert refused") {
  Fixture f;
  auto raised = f.store_readings({crisis("1")});
  auto id = raised.at(0).alert_id;
  auto ack = f.store->alert_book().acknowledge(id, "dr-lee", "called patient", kNow + 1min).value();
  CHECK(ack.status == ActionStatus::kDone);
  CHECK(ack.alert.state == AlertState::kAcknowledged);
  CHECK(ack.alert.acked_by == "dr-lee");
  CHECK(ack.alert.ack_note == "called patient");
  CHECK(ack.alert.acked_at == kNow + 1min);
  CHECK(ack.alert.change == "acknowledged");
  CHECK(ack.alert.event_id > raised[0].event_id);
  CHECK(f.store->alert_book().acknowledge(id, "dr-lee", "", kNow).value().status == ActionStatus::kWrongState);
  CHECK(f.store->alert_book().acknowledge(AlertId{"nope"}, "dr-lee", "", kNow).value().status ==
        ActionStatus::kNoSuchAlert);
  // A new crossing after the acknowledgement opens a new alert: it is not swallowed.
  auto again = f.store_readings({crisis("2")});
  REQUIRE(again.size() == 1);
  CHECK(again[0].change == "raised");
  CHECK(again[0].alert_id != id);
  auto done = f.store->alert_book().resolve(id, "dr-lee", "BP controlled", kNow + 2min).value();
  CHECK(done.status == ActionStatus::kDone);
  CHECK(done.alert.state == AlertState::kResolved);
  CHECK(done.alert.resolve_note == "BP controlled");
  CHECK(f.store->alert_book().resolve(id, "dr-lee", "", kNow).value().status == ActionStatus::kWrongState);
  auto audit = f.store->audit_log().rows(id, 10).value();
  REQUIRE(audit.size() == 2);
  CHECK(audit[0].action == "resolve");
  CHECK(audit[1].action == "ack");
  CHECK(audit[1].actor == "dr-lee");
  CHECK(audit[1].detail == "called patient");
  // Every change is an event for SSE replay, ids increasing.
  auto events = f.store->alert_book().alerts_after(0, 100).value();
  std::vector<std::string> changes;
  for (std::size_t i = 0; i < events.size(); ++i) {
    changes.push_back(events[i].change);
    if (i > 0) CHECK(events[i].event_id > events[i - 1].event_id);
  }
  CHECK(changes == std::vector<std::string>{"raised", "acknowledged", "raised", "resolved"});
}

TEST_CASE("audit: intact chain verifies, modified, deleted or truncated rows are caught") {
  Fixture f;
  for (int i = 1; i <= 3; ++i) {
    auto a = f.store_readings(
        {battery(std::to_string(i), i == 2 ? BatteryStatus::kEos : BatteryStatus::kRrtEri)});
    if (!a.empty() && a[0].change == "raised") {
      REQUIRE(f.store->alert_book().acknowledge(a[0].alert_id, "dr-a", "note " + std::to_string(i), kNow));
      REQUIRE(f.store->alert_book().resolve(a[0].alert_id, "dr-b", "", kNow + 1s));
    }
  }
  auto ok = f.store->audit_log().verify().value();
  CHECK(ok.ok);
  CHECK(ok.rows == 6);
  auto rows = f.store->audit_log().rows(std::nullopt, 10).value();
  CHECK(rows.back().prev_hash == kAuditGenesis);
  CHECK(rows.back().hash == audit_hash(rows.back()));

  SUBCASE("modified note") {
    f.sql("UPDATE audit_log SET detail = 'x' WHERE seq = 3;", "audit_log_no_update");
    auto v = f.store->audit_log().verify().value();
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_seq == 3);
  }
  SUBCASE("modified row with its own hash recomputed") {
    f.sql("UPDATE audit_log SET actor = 'dr-x' WHERE seq = 2;", "audit_log_no_update");
    auto rows2 = f.store->audit_log().rows(std::nullopt, 10).value();
    AuditRow forged = rows2[rows2.size() - 2];
    REQUIRE(forged.seq == 2);
    f.sql("UPDATE audit_log SET hash = '" + audit_hash(forged) + "' WHERE seq = 2;",
          "audit_log_no_update");
    auto v = f.store->audit_log().verify().value();
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_seq == 3);  // row 3's prev_hash still names the original row 2
  }
  SUBCASE("deleted middle row") {
    f.sql("DELETE FROM audit_log WHERE seq = 4;", "audit_log_no_delete");
    auto v = f.store->audit_log().verify().value();
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_seq == 4);
  }
  SUBCASE("deleted last row") {
    f.sql("DELETE FROM audit_log WHERE seq = 6;", "audit_log_no_delete");
    CHECK_FALSE(f.store->audit_log().verify().value().ok);
  }
  SUBCASE("UPDATE and DELETE refused while the triggers stand") {
    CHECK_FALSE(f.try_sql("UPDATE audit_log SET detail = 'x'").has_value());
    CHECK_FALSE(f.try_sql("DELETE FROM audit_log").has_value());
    CHECK(f.store->audit_log().verify().value().ok);
  }
}

TEST_CASE("escalation: high alert not acked -> escalated by deadline rows, across reopen") {
  Fixture f;
  f.store->alert_book().set_escalation_policy({60s, 0s, 2});
  auto raised = f.store_readings({crisis("1")});
  REQUIRE(raised.size() == 1);
  CHECK(raised[0].escalation_due == kNow + 60s);
  CHECK(f.rows("escalation_deadlines") == 1);
  CHECK(f.store->alert_book().escalate_due(kNow + 59s).value().empty());
  f.reopen();  // a restart (kill -9 is the same to SQLite) keeps the deadline
  f.store->alert_book().set_escalation_policy({60s, 0s, 2});
  auto first = f.store->alert_book().escalate_due(kNow + 61s).value();
  REQUIRE(first.size() == 1);
  CHECK(first[0].escalation_tier == 1);
  CHECK(first[0].change == "escalated");
  CHECK(first[0].state == AlertState::kOpen);
  CHECK(first[0].escalation_due == kNow + 121s);
  auto second = f.store->alert_book().escalate_due(kNow + 200s).value();
  REQUIRE(second.size() == 1);
  CHECK(second[0].escalation_tier == 2);
  CHECK_FALSE(second[0].escalation_due.has_value());  // max tier reached
  CHECK(f.store->alert_book().escalate_due(kNow + 1h).value().empty());
  auto audit = f.store->audit_log().rows(raised[0].alert_id, 10).value();
  REQUIRE(audit.size() == 2);
  CHECK(audit[0].action == "escalate");
  CHECK(audit[0].actor == "system");
  CHECK(f.store->audit_log().verify().value().ok);
}

TEST_CASE("escalation: acknowledged in time -> deadline row gone, never escalated") {
  Fixture f;
  f.store->alert_book().set_escalation_policy({60s, 0s, 2});
  auto raised = f.store_readings({crisis("1"), battery("1", BatteryStatus::kRrtEri)});
  REQUIRE(raised.size() == 2);
  CHECK(f.rows("escalation_deadlines") == 1);  // medium: escalation off by default
  REQUIRE(f.store->alert_book().acknowledge(raised[0].alert_id, "dr-a", "", kNow + 30s));
  CHECK(f.rows("escalation_deadlines") == 0);
  CHECK(f.store->alert_book().escalate_due(kNow + 1h).value().empty());
}

TEST_CASE("weight.gain: > 2 kg above the lowest weight of 3 days -> medium alert in the batch") {
  Fixture f;
  CHECK(f.store_readings({weight("1", 80.0, kNow - 50h)}).empty());
  CHECK(f.store_readings({weight("2", 81.0, kNow - 26h)}).empty());
  CHECK(f.store_readings({weight("3", 82.0, kNow - 2h)}).empty());  // +2.0: not more than 2
  auto gain = f.store_readings({weight("4", 82.3, kNow - 1h)});
  REQUIRE(gain.size() == 1);
  CHECK(gain[0].rule_id == "weight.gain");
  CHECK(gain[0].priority == alerts::Priority::kMedium);
  CHECK(gain[0].alert_id.value == weight("4", 82.3, kNow - 1h).uid.value + "#weight.gain");
  CHECK(gain[0].message.find("from 80 kg") != std::string::npos);
  // 80 kg is now more than 3 days before: 81 kg is the baseline, +1.5 kg does not fire.
  f.store->alert_book().acknowledge(gain[0].alert_id, "dr-a", "", kNow).value();
  CHECK(f.store_readings({weight("5", 82.5, kNow + 23h)}).empty());
}

TEST_CASE("weight.gain: a late-arriving earlier weight counts for later readings only") {
  Fixture f;
  f.store_readings({weight("2", 83.0, kNow - 1h)});
  // Arrives after: measured earlier, lighter. It compares with weights before IT (none).
  CHECK(f.store_readings({weight("1", 80.5, kNow - 20h)}).empty());
  auto gain = f.store_readings({weight("3", 83.2, kNow - 30min)});
  REQUIRE(gain.size() == 1);
  CHECK(gain[0].rule_id == "weight.gain");
}

TEST_CASE("store: database from before the lifecycle -> migrated, old alerts keep their ids") {
  if (test::testing_postgres()) return;  // only SQLite databases predate the lifecycle
  test::TempDir dir;
  auto path = (dir / "server.db").string();
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db,
                         "CREATE TABLE alerts(event_id INTEGER PRIMARY KEY AUTOINCREMENT, "
                         "alert_id TEXT NOT NULL UNIQUE, reading_uid TEXT NOT NULL, patient_id "
                         "TEXT NOT NULL, rule_id TEXT NOT NULL, priority TEXT NOT NULL, state "
                         "TEXT NOT NULL DEFAULT 'open', message TEXT NOT NULL, threshold_json "
                         "TEXT NOT NULL, created_unix_ms INTEGER NOT NULL);"
                         "INSERT INTO alerts VALUES(7, 'old#bp.crisis', 'old', 'patient-1', "
                         "'bp.crisis', 'high', 'open', 'old one', '{}', 1);",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = Store::open(path).value();
  auto old = store->alert_book().alerts_after(0, 10).value();
  REQUIRE(old.size() == 1);
  CHECK(old[0].event_id == 7);
  CHECK(old[0].crossings == 1);
  auto acked = store->alert_book().acknowledge(AlertId{"old#bp.crisis"}, "dr-a", "", kNow).value();
  CHECK(acked.alert.event_id > 7);
}

TEST_CASE(
    "grouping: technical alert, new episode of the same subject -> grouped, other subject not") {
  Fixture f;
  using server::alerts::Priority;
  using server::alerts::TechnicalDraft;
  auto draft = [](std::string rule, std::string subject, std::string episode) {
    return TechnicalDraft{std::move(rule),
                          Priority::kMedium,
                          std::move(subject),
                          PatientId{"patient-1"},
                          std::move(episode),
                          "silent",
                          {},
                          {}};
  };
  auto first = f.store->alert_book().insert_technical_alerts(
      {draft("device.silent", "gw-1/BP1", "100"), draft("device.silent", "gw-1/BP2", "100")}, kNow);
  REQUIRE(first.has_value());
  CHECK(first->size() == 2);  // two devices: two alerts
  auto again = f.store->alert_book().insert_technical_alerts({draft("device.silent", "gw-1/BP1", "100")}, kNow);
  CHECK(again.value().empty());  // same episode: nothing new
  auto next = f.store->alert_book().insert_technical_alerts({draft("device.silent", "gw-1/BP1", "200")}, kNow);
  REQUIRE(next.value().size() == 1);
  CHECK(next.value()[0].change == "grouped");
  CHECK(next.value()[0].crossings == 2);
  CHECK(next.value()[0].alert_id == first.value()[0].alert_id);
  CHECK(f.rows("alerts") == 2);
}

TEST_CASE("alert enums: DB and API text round-trips, unknown text -> nullopt") {
  for (auto s : {AlertState::kOpen, AlertState::kAcknowledged, AlertState::kResolved}) {
    CHECK(parse_alert_state(to_string(s)) == s);
  }
  for (auto p : {alerts::Priority::kHigh, alerts::Priority::kMedium, alerts::Priority::kLow}) {
    CHECK(alerts::parse_priority(alerts::to_string(p)) == p);
  }
  CHECK(to_string(AlertState::kAcknowledged) == "acknowledged");
  CHECK(to_string(AlertAction::kAcknowledge) == "ack");
  CHECK(to_string(AlertAction::kResolve) == "resolve");
  CHECK_FALSE(parse_alert_state("Open"));
  CHECK_FALSE(alerts::parse_priority("urgent"));
}
