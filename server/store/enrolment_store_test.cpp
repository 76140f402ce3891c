// Patient register and enrolment history (enrolment_store.cpp), on both backends: a device
// moved to another patient attributes readings by measured time; every write is audited.
#include <doctest/doctest.h>

#include <algorithm>

#include "server/store/manual_binding.h"
#include "server/store/store.h"
#include "tests/support/readings.h"
#include "tests/support/store_fixture.h"

using namespace kotona;
using namespace kotona::server::store;
using namespace std::chrono_literals;

namespace {

const GatewayId kGw{"gw-1"};
const DeviceSerial kBp{"BP1"};
const HubTime kNow{std::chrono::milliseconds{1'790'000'000'000}};
const HubTime kMove = kNow - 1h;  // the device moves from patient-a to patient-b here

// A reading measured at `at` (device time with a zero clock offset), arriving at kNow.
Reading measured_at(const std::string& record, HubTime at) {
  Reading r = test::bp(kGw, kBp.value, record, 120, 80, at);
  r.hub_time = kNow;
  finalize_reading(kGw, r);
  return r;
}

// A value typed in on the hub's page (gateway/manual_entry): the pseudo-device `manual`.
Reading typed_at(const std::string& entry, HubTime at) {
  Reading r = test::bp(kGw, std::string(kManualSerial), entry, 150, 95, at);
  r.device.driver = "manual";
  r.provenance = Provenance{EntrySource::kManual, Enterer::kPatient, ""};
  r.hub_time = kNow;
  finalize_reading(kGw, r);
  return r;
}

struct Fixture : test::StoreFixture {
  PatientWrite put(const std::string& id, std::optional<std::string> hetu, bool create = true) {
    PatientRecord p{PatientId{id}, std::move(hetu), std::nullopt, std::string("ward-a"), {}, {},
                    std::nullopt};
    auto w = store->patients().put_patient(p, create, "admin", kNow);
    REQUIRE(w.has_value());
    return *w;
  }
  EnrolmentWrite enrol(const std::string& patient, HubTime from, const DeviceSerial& d = kBp) {
    auto w = store->patients().enrol_device({kGw, d, PatientId{patient}, from, std::nullopt}, "admin", kNow);
    REQUIRE_MESSAGE(w.has_value(), (w ? "" : describe(w.error())));
    return *w;
  }
  std::string patient_of(const Reading& r) {
    auto out = store->ledger().store_batch(kGw, {kGw, 1, {r}, {}}, kNow);
    REQUIRE(out.has_value());
    if (out->readings.at(0).disposition != Disposition::kStored) {
      return std::string(to_string(out->readings.at(0).disposition));
    }
    auto rows = store->ledger().readings(std::nullopt, 1000);
    REQUIRE(rows.has_value());
    auto it =
        std::find_if(rows->begin(), rows->end(), [&](const auto& x) { return x.uid == r.uid; });
    return it == rows->end() ? std::string("missing") : it->patient.value;
  }
};

}  // namespace

TEST_CASE("put_patient: create, repeat, update, missing, shared henkilotunnus -> status") {
  Fixture f;
  CHECK(f.put("patient-a", "131052-308T").status == WriteStatus::kDone);
  CHECK(f.put("patient-a", std::nullopt).status == WriteStatus::kConflict);
  CHECK(f.put("patient-z", std::nullopt, /*create=*/false).status == WriteStatus::kNotFound);
  auto taken = f.put("patient-b", "131052-308T");
  CHECK(taken.status == WriteStatus::kConflict);
  CHECK(taken.why.find("131052") == std::string::npos);
  CHECK(f.put("patient-b", std::nullopt).status == WriteStatus::kDone);
  CHECK(f.put("patient-c", std::nullopt).status == WriteStatus::kDone);  // two NULLs are fine
  auto record = f.store->patients().patient_record(PatientId{"patient-a"}).value();
  REQUIRE(record.has_value());
  CHECK(record->henkilotunnus == "131052-308T");
  CHECK(record->team == "ward-a");
  CHECK(f.store->patients().team_patients("ward-a").value() ==
        std::set<std::string>{"patient-a", "patient-b", "patient-c"});
  CHECK(f.store->patients().has_patient(PatientId{"patient-c"}).value());
}

TEST_CASE("put_patient: audit rows name the subject and actor, never the henkilotunnus") {
  Fixture f;
  f.put("patient-a", "131052-308T");
  PatientRecord changed{PatientId{"patient-a"}, "010594Y9032", "Aino", "ward-b", {}, {}, "sv"};
  REQUIRE(f.store->patients().put_patient(changed, false, "root", kNow).value().status == WriteStatus::kDone);
  auto rows = f.store->audit_log().rows(std::nullopt, 10).value();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].action == "patient.update");
  CHECK(rows[0].actor == "root");
  CHECK(rows[0].alert_id.value == "patient/patient-a");
  CHECK(rows[0].detail == "updated henkilotunnus changed display_name set team=ward-b language=sv");
  CHECK(f.store->patients().patient_record(PatientId{"patient-a"}).value()->language == "sv");
  CHECK(rows[1].detail == "created henkilotunnus set team=ward-a");
  for (const auto& r : rows) {
    CHECK(r.detail.find("131052") == std::string::npos);
    CHECK(r.detail.find("010594") == std::string::npos);
    CHECK(r.detail.find("Aino") == std::string::npos);
  }
  CHECK(f.store->audit_log().verify().value().ok);
}

TEST_CASE("enrol_device: device moved A -> B at T -> measured before T is A's, after is B's") {
  Fixture f;
  f.put("patient-a", std::nullopt);
  f.put("patient-b", std::nullopt);
  auto first = f.enrol("patient-a", kNow - 24h);
  REQUIRE(first.status == WriteStatus::kDone);
  CHECK(f.patient_of(measured_at("1", kMove - 2h)) == "patient-a");
  auto moved = f.enrol("patient-b", kMove);
  REQUIRE_MESSAGE(moved.status == WriteStatus::kDone, moved.why);
  REQUIRE(moved.closed.has_value());
  CHECK(moved.closed->id == first.enrolment.id);
  CHECK(moved.closed->binding.valid_to == kMove);
  // Late upload of an older measurement, then a new one, then one exactly at T.
  CHECK(f.patient_of(measured_at("2", kMove - 1s)) == "patient-a");
  CHECK(f.patient_of(measured_at("3", kMove + 10min)) == "patient-b");
  CHECK(f.patient_of(measured_at("4", kMove)) == "patient-b");
  CHECK(f.patient_of(measured_at("5", kNow - 48h)) == "quarantined");  // before any binding
  auto history = f.store->patients().enrolments({std::nullopt, kGw, kBp}, 10).value();
  REQUIRE(history.size() == 2);
  CHECK(history[0].binding.patient.value == "patient-b");
  CHECK(history[0].source == "api");
  CHECK_FALSE(history[0].binding.valid_to.has_value());
  CHECK(history[1].binding.valid_to == kMove);
  auto audit = f.store->audit_log().rows(std::nullopt, 10).value();
  CHECK(audit.at(0).action == "enrol.auto");  // the hub's typed values follow (next cases)
  CHECK(audit.at(2).action == "enrol");
  CHECK(audit.at(2).detail.find("moved from patient=patient-a") != std::string::npos);
  CHECK(f.store->audit_log().verify().value().ok);
}

TEST_CASE("enrol_device: unregistered patient, same patient, overlap, stored readings -> refused") {
  Fixture f;
  f.put("patient-a", std::nullopt);
  f.put("patient-b", std::nullopt);
  CHECK(f.enrol("nobody", kMove).status == WriteStatus::kNotFound);
  REQUIRE(f.enrol("patient-a", kMove).status == WriteStatus::kDone);
  CHECK(f.enrol("patient-a", kMove + 1h).status == WriteStatus::kConflict);  // already
  CHECK(f.enrol("patient-b", kMove - 1h).status == WriteStatus::kConflict);  // before its start
  CHECK(f.enrol("patient-b", kMove).status == WriteStatus::kConflict);       // same start
  // A reading measured after T' is stored as patient-a's: moving at T' would contradict it.
  REQUIRE(f.patient_of(measured_at("1", kMove + 30min)) == "patient-a");
  auto late = f.enrol("patient-b", kMove + 10min);
  CHECK(late.status == WriteStatus::kConflict);
  CHECK(late.why.find("1 readings") != std::string::npos);
  CHECK(f.enrol("patient-b", kMove + 31min).status == WriteStatus::kDone);
  // BP1 twice and the hub's `manual` following it (2 patients, 2 enrolments, 3 automatic rows).
  CHECK(f.store->count_rows("enrolment").value() == 4);
  CHECK(f.store->count_rows("audit_log").value() == 7);
}

TEST_CASE("end_enrolment: ends at T -> later readings quarantined, errors -> status") {
  Fixture f;
  f.put("patient-a", std::nullopt);
  auto made = f.enrol("patient-a", kMove - 2h);
  REQUIRE(made.status == WriteStatus::kDone);
  CHECK(f.store->patients().end_enrolment(made.enrolment.id, kMove - 3h, "admin", kNow)->status ==
        WriteStatus::kConflict);  // before its start
  CHECK(f.store->patients().end_enrolment(999, kMove, "admin", kNow)->status == WriteStatus::kNotFound);
  auto ended = f.store->patients().end_enrolment(made.enrolment.id, kMove, "admin", kNow).value();
  REQUIRE(ended.status == WriteStatus::kDone);
  CHECK(ended.enrolment.binding.valid_to == kMove);
  CHECK(f.store->patients().end_enrolment(made.enrolment.id, kMove, "admin", kNow)->status ==
        WriteStatus::kConflict);  // already ended
  CHECK(f.patient_of(measured_at("1", kMove - 1min)) == "patient-a");
  CHECK(f.patient_of(measured_at("2", kMove + 1min)) == "quarantined");
  auto audit = f.store->audit_log().rows(std::nullopt, 2).value();
  CHECK(audit.at(1).action == "enrol.end");
  CHECK(audit.at(0).action == "enrol.auto_end");  // the hub serves no one: `manual` ends too
}

TEST_CASE("seed_enrolment: config line for a device the API moved or ended -> kept, reported") {
  Fixture f;
  std::vector<Enrolment> config{
      {kGw, kBp, PatientId{"patient-a"}, HubTime{}, std::nullopt},
      {kGw, DeviceSerial{"BP2"}, PatientId{"patient-a"}, HubTime{}, std::nullopt}};
  REQUIRE(f.store->patients().seed_enrolment(config, kNow - 24h).value().empty());
  f.put("patient-b", std::nullopt);
  REQUIRE(f.enrol("patient-b", kMove).status == WriteStatus::kDone);
  auto bp2 = f.store->patients().enrolments({std::nullopt, kGw, DeviceSerial{"BP2"}}, 10).value();
  REQUIRE(f.store->patients().end_enrolment(bp2.at(0).id, kMove, "admin", kNow)->status == WriteStatus::kDone);
  // A restart with the same config: the API's history stands.
  auto ignored = f.store->patients().seed_enrolment(config, kNow);
  REQUIRE(ignored.has_value());
  CHECK(ignored->size() == 2);
  // + `manual`: A's from the seed, ended when B came, B's once B alone is served.
  CHECK(f.store->count_rows("enrolment").value() == 5);
  CHECK(f.patient_of(measured_at("1", kMove + 1min)) == "patient-b");
}

TEST_CASE(
    "seed_enrolment: a config-seeded hub serving one patient -> `manual` follows that patient, "
    "two patients -> none, a restart changes nothing") {
  Fixture f;
  const GatewayId gw2{"gw-2"};
  const std::vector<Enrolment> config{
      {kGw, kBp, PatientId{"patient-a"}, HubTime{}, std::nullopt},
      {kGw, DeviceSerial{"GL1"}, PatientId{"patient-a"}, HubTime{}, std::nullopt},
      {gw2, DeviceSerial{"BP7"}, PatientId{"patient-a"}, HubTime{}, std::nullopt},
      {gw2, DeviceSerial{"GL7"}, PatientId{"patient-b"}, HubTime{}, std::nullopt}};
  REQUIRE(f.store->patients().seed_enrolment(config, kNow - 24h).value().empty());
  const DeviceSerial manual{std::string(kManualSerial)};
  auto manual_of = [&](const GatewayId& g) {
    return f.store->patients().enrolments({std::nullopt, g, manual}, 10).value();
  };
  REQUIRE(manual_of(kGw).size() == 1);
  CHECK(manual_of(kGw)[0].source == "auto");
  CHECK(manual_of(kGw)[0].binding.patient.value == "patient-a");
  CHECK(manual_of(kGw)[0].binding.valid_from == HubTime{});  // as the config's own lines
  CHECK(manual_of(gw2).empty());  // two patients: a typed value names neither
  // What the patient types in on gw-1's page is stored as theirs, not quarantined.
  CHECK(f.patient_of(typed_at("t1", kNow - 2h)) == "patient-a");
  // The same config at the next start: nothing more.
  REQUIRE(f.store->patients().seed_enrolment(config, kNow).value().empty());
  CHECK(manual_of(kGw).size() == 1);
  std::vector<std::string> automatic;
  const auto audit = f.store->audit_log().rows(std::nullopt, 50);
  REQUIRE(audit.has_value());
  for (const auto& row : *audit) {
    if (row.action.starts_with("enrol.auto")) automatic.push_back(row.actor + " " + row.action);
  }
  CHECK(automatic.empty());  // as the config's own lines: the config file is their record
  CHECK(f.store->audit_log().verify().value().ok);
}

TEST_CASE(
    "open: database from before the register (no patients, no enrolment.source) -> "
    "migrated, config bindings read as 'config'") {
  Fixture f;
  // What a server of then wrote for a config line: the binding alone (no `manual` follows).
  REQUIRE(f.store->patients().add_enrolment(
      {kGw, kBp, PatientId{"patient-a"}, HubTime{}, std::nullopt}));
  f.store.reset();
  {
    auto db = Database::open(f.location);
    REQUIRE(db.has_value());
    REQUIRE((*db)->exec("DROP TABLE patients; ALTER TABLE enrolment DROP COLUMN source;"));
  }
  f.reopen();
  auto rows = f.store->patients().enrolments({}, 10).value();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].source == "config");
  f.put("patient-b", std::nullopt);
  CHECK(f.enrol("patient-b", kMove).status == WriteStatus::kDone);
  f.reopen();  // opening twice changes nothing
  CHECK(f.store->patients().enrolments({}, 10).value().size() == 3);  // BP1 twice, `manual`
}

TEST_CASE(
    "manual: a hub serving one patient -> typed values are that patient's, two patients -> "
    "quarantined and both care teams alerted, one again -> bound again") {
  Fixture f;
  f.put("patient-a", std::nullopt);
  f.put("patient-b", std::nullopt);
  const DeviceSerial manual{std::string(kManualSerial)};
  auto bindings = [&] {
    return f.store->patients().enrolments({std::nullopt, kGw, manual}, 10).value();
  };
  REQUIRE(f.enrol("patient-a", kNow - 10h).status == WriteStatus::kDone);  // A's BP1
  REQUIRE(bindings().size() == 1);
  CHECK(bindings()[0].source == "auto");
  CHECK(bindings()[0].binding.patient.value == "patient-a");
  CHECK(bindings()[0].binding.valid_from == kNow - 10h);
  CHECK(f.patient_of(typed_at("t1", kNow - 9h)) == "patient-a");

  // B's glucose meter on the same hub: a typed value could be either's.
  auto b = f.enrol("patient-b", kNow - 6h, DeviceSerial{"GL1"});
  REQUIRE(b.status == WriteStatus::kDone);
  REQUIRE(bindings().size() == 1);
  CHECK(bindings()[0].binding.valid_to == kNow - 6h);
  auto out = f.store->ledger().store_batch(kGw, {kGw, 7, {typed_at("t2", kNow - 5h)}, {}}, kNow);
  REQUIRE(out.has_value());
  CHECK(out->readings.at(0).disposition == Disposition::kQuarantined);
  CHECK(out->readings.at(0).reason == "not_enrolled");
  std::set<std::string> told;
  for (const auto& a : out->new_alerts) {
    CHECK(a.rule_id == "quarantine.not_enrolled");
    told.insert(a.patient.value);
    CHECK(a.message.find("Typed in on hub gw-1's own page") != std::string::npos);
    CHECK(a.message.find("Ask at the home whose value it is") != std::string::npos);
    CHECK(a.values_json.find(R"("form":"typed")") != std::string::npos);
  }
  CHECK(told == std::set<std::string>{"patient-a", "patient-b"});
  CHECK(f.patient_of(typed_at("t3", kNow - 7h)) == "patient-a");  // measured before B came

  // B's meter goes: the hub serves A alone again.
  REQUIRE(f.store->patients().end_enrolment(b.enrolment.id, kNow - 4h, "admin", kNow)->status ==
          WriteStatus::kDone);
  REQUIRE(bindings().size() == 2);
  CHECK(bindings()[0].binding.valid_from == kNow - 4h);
  CHECK(f.patient_of(typed_at("t4", kNow - 3h)) == "patient-a");
  std::vector<std::string> actions;
  const auto audit = f.store->audit_log().rows(std::nullopt, 20).value();
  for (const auto& row : audit) {
    if (row.action.starts_with("enrol.auto")) actions.push_back(row.action);
  }
  CHECK(actions == std::vector<std::string>{"enrol.auto", "enrol.auto_end", "enrol.auto"});
  CHECK(f.store->audit_log().verify().value().ok);
}

TEST_CASE("manual: an admin's own binding of `manual` is kept when the hub gains a patient") {
  Fixture f;
  f.put("patient-a", std::nullopt);
  f.put("patient-b", std::nullopt);
  REQUIRE(f.enrol("patient-a", kNow - 10h).status == WriteStatus::kDone);
  auto made = f.enrol("patient-b", kNow - 8h, DeviceSerial{std::string(kManualSerial)});
  REQUIRE_MESSAGE(made.status == WriteStatus::kDone, made.why);  // moved from the automatic one
  REQUIRE(f.enrol("patient-b", kNow - 6h, DeviceSerial{"GL1"}).status == WriteStatus::kDone);
  CHECK(f.patient_of(typed_at("t1", kNow - 5h)) == "patient-b");
}
