// The worklist's store side (issue 18 parts 1 and 3): each user's settings (the page's
// language), the claim of an alert ("I am handling this") and notes on alerts and patients.
// Every change is an event the feed carries (claims, notes) and an audit row; older databases
// gain the tables and columns at open. Both backends.
#include <doctest/doctest.h>

#include "server/store/database.h"
#include "tests/support/store_fixture.h"

using namespace kotona;
using namespace kotona::server::store;
using namespace std::chrono_literals;

namespace {

const GatewayId kGw{"gw-1"};
const HubTime kNow{std::chrono::milliseconds{1'790'000'000'000}};

Reading crisis(const std::string& record) {
  Reading r;
  r.device.serial = DeviceSerial{"BP1"};
  r.record_id = record;
  r.hub_time = kNow - 1min;
  r.device_time = std::chrono::floor<std::chrono::seconds>(r.hub_time);
  r.measurement = BloodPressure{190, 120, std::nullopt, 70.0};
  finalize_reading(kGw, r);
  return r;
}

// patient-1's cuff BP1, enrolled, with one open bp.crisis alert; returns its id.
AlertId raise_crisis(test::StoreFixture& f) {
  REQUIRE(f.store->ledger().store_batch(kGw, {kGw, 1, {crisis("1")}, {}}, kNow).has_value());
  auto alerts = f.store->alert_book().recent_alerts(10).value();
  REQUIRE(alerts.size() == 1);
  return alerts[0].alert_id;
}

test::StoreFixture enrolled() { return test::StoreFixture(test::enrolments(kGw, {"BP1"}), kNow); }

std::vector<AuditRow> audit_rows(Store& store, const std::string& subject) {
  return store.audit_log().rows(AlertId{subject}, 100).value();
}

}  // namespace

TEST_CASE("user settings: language saved, read back after a restart, audited once per change") {
  test::StoreFixture f;
  auto none = f.store->settings().settings("dr-lee").value();
  CHECK_FALSE(none.language.has_value());
  CHECK_FALSE(none.updated.has_value());
  auto saved = f.store->settings().set_language("dr-lee", "sv", kNow).value();
  CHECK(saved.language == "sv");
  REQUIRE(f.store->settings().set_language("dr-lee", "sv", kNow + 1s).has_value());  // unchanged
  f.reopen();
  auto read = f.store->settings().settings("dr-lee").value();
  CHECK(read.language == "sv");
  CHECK(read.updated == kNow);
  CHECK_FALSE(f.store->settings().settings("dr-other").value().language.has_value());
  REQUIRE(f.store->settings().set_language("dr-lee", std::nullopt, kNow + 2s).has_value());
  CHECK_FALSE(f.store->settings().settings("dr-lee").value().language.has_value());
  auto audit = audit_rows(*f.store, "user/dr-lee");
  REQUIRE(audit.size() == 2);  // newest first; the unchanged write wrote nothing
  CHECK(audit[1].actor == "dr-lee");
  CHECK(audit[1].action == "settings.update");
  CHECK(audit[1].detail == "language=sv");
  CHECK(audit[0].detail == "language cleared");
  CHECK(f.store->audit_log().verify().value().ok);
}

TEST_CASE("user settings: database without the language column -> added at open") {
  test::StoreFixture f;
  REQUIRE(f.store->settings().set_language("dr-lee", "en", kNow).has_value());
  f.store.reset();
  {
    auto db = Database::open(f.location);
    REQUIRE(db.has_value());
    REQUIRE((*db)->exec("ALTER TABLE user_settings DROP COLUMN language").has_value());
  }
  f.reopen();
  CHECK_FALSE(f.store->settings().settings("dr-lee").value().language.has_value());
  REQUIRE(f.store->settings().set_language("dr-lee", "fi", kNow + 1s).has_value());
  CHECK(f.store->settings().settings("dr-lee").value().language == "fi");
}

TEST_CASE(
    "user settings: a high alert's sound and notification saved beside the language, audited") {
  test::StoreFixture f;
  auto none = f.store->settings().settings("dr-lee").value();
  CHECK_FALSE(none.alert_sound.has_value());  // not chosen: the page's default applies
  CHECK_FALSE(none.alert_notify.has_value());
  REQUIRE(f.store->settings().set_language("dr-lee", "sv", kNow).has_value());
  auto wanted = f.store->settings().settings("dr-lee").value();
  wanted.alert_sound = false;
  wanted.alert_notify = true;
  REQUIRE(f.store->settings().save(wanted, kNow + 1s).has_value());
  REQUIRE(f.store->settings().save(wanted, kNow + 2s).has_value());  // unchanged: nothing written
  f.reopen();
  auto read = f.store->settings().settings("dr-lee").value();
  CHECK(read.language == "sv");  // kept
  CHECK(read.alert_sound == false);
  CHECK(read.alert_notify == true);
  CHECK(read.updated == kNow + 1s);
  read.alert_sound.reset();
  REQUIRE(f.store->settings().save(read, kNow + 3s).has_value());
  CHECK_FALSE(f.store->settings().settings("dr-lee").value().alert_sound.has_value());
  auto audit = audit_rows(*f.store, "user/dr-lee");
  REQUIRE(audit.size() == 3);  // newest first
  CHECK(audit[1].detail == "alert_sound=off, alert_notify=on");
  CHECK(audit[0].detail == "alert_sound cleared");
  CHECK(f.store->audit_log().verify().value().ok);
}

TEST_CASE(
    "user settings: database without the alert_sound and alert_notify columns -> added at open") {
  test::StoreFixture f;
  REQUIRE(f.store->settings().set_language("dr-lee", "en", kNow).has_value());
  f.store.reset();
  {
    auto db = Database::open(f.location);
    REQUIRE(db.has_value());
    REQUIRE((*db)->exec("ALTER TABLE user_settings DROP COLUMN alert_sound").has_value());
    REQUIRE((*db)->exec("ALTER TABLE user_settings DROP COLUMN alert_notify").has_value());
  }
  f.reopen();
  auto read = f.store->settings().settings("dr-lee").value();
  CHECK(read.language == "en");
  CHECK_FALSE(read.alert_sound.has_value());
  read.alert_notify = true;
  REQUIRE(f.store->settings().save(read, kNow + 1s).has_value());
  CHECK(f.store->settings().settings("dr-lee").value().alert_notify == true);
}

TEST_CASE("alert claim: taken, refused to a colleague, released by its holder, events and audit") {
  auto f = enrolled();
  auto& book = f.store->alert_book();
  const auto id = raise_crisis(f);
  auto taken = book.claim(id, "dr-lee", true, kNow + 1s).value();
  REQUIRE(taken.status == ActionStatus::kDone);
  CHECK(taken.alert.claimed_by == "dr-lee");
  CHECK(taken.alert.claimed_at == kNow + 1s);
  CHECK(taken.alert.change == "claimed");
  CHECK(taken.alert.state == AlertState::kOpen);  // a claim is not an acknowledgement
  auto again = book.claim(id, "dr-lee", true, kNow + 2s).value();
  CHECK(again.status == ActionStatus::kDone);
  CHECK(again.alert.event_id == taken.alert.event_id);  // nothing written
  auto other = book.claim(id, "dr-may", true, kNow + 3s).value();
  CHECK(other.status == ActionStatus::kWrongState);
  CHECK(other.alert.claimed_by == "dr-lee");
  CHECK(book.claim(id, "dr-may", false, kNow + 3s).value().status == ActionStatus::kWrongState);
  auto released = book.claim(id, "dr-lee", false, kNow + 4s).value();
  REQUIRE(released.status == ActionStatus::kDone);
  CHECK(released.alert.claimed_by.empty());
  CHECK_FALSE(released.alert.claimed_at.has_value());
  CHECK(book.claim(id, "dr-may", true, kNow + 5s).value().alert.claimed_by == "dr-may");
  // The feed replays every change in order (invariant 8).
  std::vector<std::string> changes;
  auto events = book.alerts_after(0, 100).value();
  for (const auto& a : events) changes.push_back(a.change);
  CHECK(changes == std::vector<std::string>{"raised", "claimed", "unclaimed", "claimed"});
  REQUIRE(book.resolve(id, "dr-may", "done", kNow + 6s).value().status == ActionStatus::kDone);
  CHECK(book.claim(id, "dr-lee", true, kNow + 7s).value().status == ActionStatus::kWrongState);
  CHECK(book.claim(AlertId{"nope"}, "dr-lee", true, kNow).value().status ==
        ActionStatus::kNoSuchAlert);
  auto audit = audit_rows(*f.store, id.value);
  std::vector<std::string> actions;
  for (const auto& r : audit) actions.push_back(r.actor + " " + r.action);
  CHECK(actions == std::vector<std::string>{"dr-may resolve", "dr-may claim", "dr-lee unclaim",
                                            "dr-lee claim"});
  CHECK(f.store->audit_log().verify().value().ok);
}

TEST_CASE("alert claim: taken over from a colleague, event and audit name the previous holder") {
  auto f = enrolled();
  auto& book = f.store->alert_book();
  const AlertId id = raise_crisis(f);
  REQUIRE(book.claim(id, "dr-lee", true, kNow).value().status == ActionStatus::kDone);
  auto taken = book.take_over(id, "admin", kNow + 1s).value();
  REQUIRE(taken.status == ActionStatus::kDone);
  CHECK(taken.alert.claimed_by == "admin");
  CHECK(taken.alert.change == "taken_over");
  CHECK(book.take_over(id, "admin", kNow + 2s).value().status == ActionStatus::kDone);  // no-op
  auto events = book.alerts_after(0, 10).value();
  REQUIRE(events.size() == 3);  // raised, claimed, taken_over
  CHECK(events[2].change == "taken_over");
  auto audit = audit_rows(*f.store, id.value);
  REQUIRE(audit.size() == 2);  // newest first
  CHECK(audit[0].action == "takeover");
  CHECK(audit[0].actor == "admin");
  CHECK(audit[0].detail == "from dr-lee");
  REQUIRE(book.resolve(id, "admin", "", kNow + 3s).value().status == ActionStatus::kDone);
  CHECK(book.take_over(id, "dr-other", kNow + 4s).value().status == ActionStatus::kWrongState);
}

TEST_CASE("notes: on an alert (counted, an event, audited) and on a registered patient only") {
  auto f = enrolled();
  auto& book = f.store->alert_book();
  const auto id = raise_crisis(f);
  auto noted = book.add_note(id, "dr-lee", "called, no answer", kNow + 1s).value();
  REQUIRE(noted.status == ActionStatus::kDone);
  CHECK(noted.alert.notes == 1);
  CHECK(noted.alert.change == "noted");
  REQUIRE(book.add_note(id, "dr-may", "daughter on her way", kNow + 2s).value().alert.notes == 2);
  auto notes = book.notes(id, 50).value();
  REQUIRE(notes.size() == 2);
  CHECK(notes[0].author == "dr-lee");  // oldest first
  CHECK(notes[0].text == "called, no answer");
  CHECK(notes[0].subject == "alert/" + id.value);
  CHECK(notes[1].at == kNow + 2s);
  CHECK(book.notes(id, 1).value().at(0).author == "dr-may");  // the newest when limited
  CHECK(book.add_note(AlertId{"nope"}, "dr-lee", "x", kNow).value().status ==
        ActionStatus::kNoSuchAlert);
  auto alert_audit = audit_rows(*f.store, id.value);
  REQUIRE(alert_audit.size() == 2);
  CHECK(alert_audit[0].action == "note");
  CHECK(alert_audit[0].detail == "daughter on her way");

  auto& patients = f.store->patients();
  CHECK_FALSE(patients.add_note(PatientId{"patient-1"}, "dr-lee", "x", kNow).value().has_value());
  PatientRecord p{
      PatientId{"patient-1"}, {}, std::string("Aino"), std::string("ward-1"), {}, {}, {}};
  REQUIRE(patients.put_patient(p, true, "admin", kNow).value().status == WriteStatus::kDone);
  auto note = patients.add_note(PatientId{"patient-1"}, "dr-lee", "uses the left arm", kNow + 3s);
  REQUIRE(note.value().has_value());
  CHECK((*note)->subject == "patient/patient-1");
  auto kept = patients.notes(PatientId{"patient-1"}, 50).value();
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].text == "uses the left arm");
  CHECK(kept[0].author == "dr-lee");
  auto patient_audit = audit_rows(*f.store, "patient/patient-1");
  REQUIRE(patient_audit.size() == 2);  // created, then the note
  CHECK(patient_audit[0].action == "patient.note");
  CHECK(patient_audit[0].actor == "dr-lee");
  CHECK(f.store->audit_log().verify().value().ok);
}

TEST_CASE("alert claim: database without the claim columns -> added at open, nobody holds it") {
  auto f = enrolled();
  const auto id = raise_crisis(f);
  f.store.reset();
  {
    auto db = Database::open(f.location);
    REQUIRE(db.has_value());
    for (const char* column : {"claimed_by", "claimed_unix_ms", "note_count"}) {
      REQUIRE((*db)->exec(std::string("ALTER TABLE alerts DROP COLUMN ") + column).has_value());
    }
  }
  f.reopen();
  auto a = f.store->alert_book().alert(id).value();
  REQUIRE(a.has_value());
  CHECK(a->claimed_by.empty());
  CHECK(a->notes == 0);
  CHECK(f.store->alert_book().claim(id, "dr-lee", true, kNow).value().alert.claimed_by == "dr-lee");
}
