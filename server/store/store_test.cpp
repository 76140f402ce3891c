#include "server/store/store.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <limits>
#include <set>

#include "server/store/json_text.h"
#include "tests/support/readings.h"
#include "tests/support/store_fixture.h"

using namespace kotona;
using namespace kotona::server::store;
namespace alerts = kotona::server::alerts;
using namespace std::chrono_literals;

namespace {

const GatewayId kGw{"gw-1"};
const HubTime kNow{std::chrono::milliseconds{1'790'000'000'000}};

Reading bp_reading(const std::string& record, double systolic, double diastolic,
                   const std::string& serial = "BP1") {
  return test::bp(kGw, serial, record, systolic, diastolic, kNow - 1min);
}

// patient-1's cuff BP1, enrolled as of kNow.
struct Fixture : test::StoreFixture {
  Fixture() : StoreFixture(test::enrolments(kGw, {"BP1"}), kNow) {}
  BatchOutcome store_ok(const Batch& batch, const GatewayId& topic = kGw) {
    auto r = store->ledger().store_batch(topic, batch, kNow);
    REQUIRE(r.has_value());
    return *r;
  }
};

}  // namespace

TEST_CASE("store_batch: crisis reading -> reading and alert committed together") {
  Fixture f;
  auto reading = bp_reading("1", 185, 100);
  auto out = f.store_ok({kGw, 1, {reading}, {}});
  REQUIRE(out.readings.size() == 1);
  CHECK(out.readings[0] == ReadingOutcome{reading.uid.value, Disposition::kStored});
  REQUIRE(out.new_alerts.size() == 1);
  CHECK(out.new_alerts[0].alert_id.value == reading.uid.value + "#bp.crisis");
  CHECK(out.new_alerts[0].patient.value == "patient-1");
  CHECK(out.new_alerts[0].event_id > 0);
  CHECK(f.rows("readings") == 1);
  CHECK(f.rows("alerts") == 1);
  auto stored = f.store->ledger().readings(std::nullopt, 100).value();
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].patient.value == "patient-1");
  CHECK(stored[0].kind == "bp");
  CHECK(stored[0].values_json.find("\"systolic_mmhg\":185") != std::string::npos);
}

TEST_CASE("store_batch: patient's own rule config decides, other patients keep defaults") {
  Fixture f;
  REQUIRE(f.store->patients().seed_enrolment(
      {{kGw, DeviceSerial{"BP1"}, PatientId{"patient-1"}, HubTime{}, std::nullopt},
       {kGw, DeviceSerial{"BP2"}, PatientId{"patient-2"}, HubTime{}, std::nullopt}},
      kNow));
  server::alerts::RuleConfig strict;
  REQUIRE(server::alerts::parse_rule_setting("bp_crisis_systolic_mmhg=160", strict));
  f.store->alert_book().set_rule_configs({{"patient-1", strict}});
  auto own = bp_reading("1", 165, 90, "BP1");
  auto other = bp_reading("2", 165, 90, "BP2");
  auto out = f.store_ok({kGw, 1, {own, other}, {}});
  REQUIRE(out.new_alerts.size() == 1);
  CHECK(out.new_alerts[0].patient.value == "patient-1");
  CHECK(out.new_alerts[0].alert_id.value == own.uid.value + "#bp.crisis");
}

TEST_CASE("store_batch: same reading twice -> DUPLICATE, stored once, no second alert") {
  Fixture f;
  auto reading = bp_reading("1", 190, 120);
  f.store_ok({kGw, 1, {reading}, {}});
  auto again = f.store_ok({kGw, 2, {reading}, {}});
  REQUIRE(again.readings.size() == 1);
  CHECK(again.readings[0].disposition == Disposition::kDuplicate);
  CHECK(again.new_alerts.empty());
  CHECK(f.rows("readings") == 1);
  CHECK(f.rows("alerts") == 1);
}

TEST_CASE(
    "store_batch: same uid, different values or time -> CONFLICT, stored under a derived uid, "
    "flagged, rules evaluated, technical alert names both values") {
  Fixture f;
  auto first = bp_reading("28", 120, 80);  // forged, or sent before the meter reached 28
  REQUIRE(f.store_ok({kGw, 1, {first}, {}}).new_alerts.empty());
  auto other_values = bp_reading("28", 185, 115);  // the real record 28
  auto other_time = bp_reading("28", 120, 80);
  other_time.device_time = *other_time.device_time - std::chrono::hours(24);
  auto out = f.store_ok({kGw, 2, {other_values, other_time}, {}});
  REQUIRE(out.readings.size() == 2);
  CHECK(out.readings[0].reading_uid == first.uid.value);  // the ack names the uid sent
  CHECK(out.readings[0].disposition == Disposition::kConflict);
  CHECK(out.readings[1].disposition == Disposition::kConflict);
  const std::string derived = out.readings[0].stored_as;
  CHECK(derived.rfind(first.uid.value + "~c", 0) == 0);
  CHECK(derived.size() == first.uid.value.size() + 2 + 12);
  CHECK(out.readings[1].stored_as != derived);
  CHECK(f.rows("readings") == 3);
  CHECK(f.rows("quarantine") == 0);
  auto rows = f.store->ledger().readings(std::nullopt, 10).value();
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].quality_json.find("\"uid_conflict\":false") != std::string::npos);
  CHECK(rows[1].uid.value == derived);
  CHECK(rows[1].values_json.find("\"systolic_mmhg\":185") != std::string::npos);
  CHECK(rows[1].quality_json.find("\"uid_conflict\":true") != std::string::npos);
  std::set<std::string> rules;
  for (const auto& a : out.new_alerts) rules.insert(a.rule_id);
  CHECK(rules.contains("bp.crisis"));
  CHECK(rules.contains("reading.uid_conflict"));
  for (const auto& a : out.new_alerts) {
    if (a.rule_id == "bp.crisis") CHECK(a.reading_uid.value == derived);
  }
  auto tech = f.store->alert_book().recent_alerts(10, AlertFilter{std::nullopt, std::nullopt, PatientId{"patient-1"}}).value();
  bool named_both = false;
  for (const auto& a : tech) {
    if (a.rule_id != "reading.uid_conflict") continue;
    CHECK(a.priority == alerts::Priority::kHigh);
    // The two conflicts of one device are one open alert (grouped), the first names 120/185.
    CHECK(a.crossings == 2);
    named_both = a.message.find("\"systolic_mmhg\":120") != std::string::npos &&
                 a.message.find("\"systolic_mmhg\":185") != std::string::npos &&
                 a.message.find(derived) != std::string::npos;
  }
  CHECK(named_both);
  CHECK(to_string(Disposition::kConflict) == "conflict");
}

TEST_CASE("store_batch: the same conflicting reading again -> DUPLICATE, nothing new") {
  Fixture f;
  auto first = bp_reading("28", 120, 80);
  auto real = bp_reading("28", 185, 115);
  f.store_ok({kGw, 1, {first}, {}});
  auto once = f.store_ok({kGw, 2, {real}, {}});
  REQUIRE(once.readings.size() == 1);
  REQUIRE(once.readings[0].disposition == Disposition::kConflict);
  const auto alerts_before = f.rows("alerts");
  auto again = f.store_ok({kGw, 3, {real, first}, {}});
  REQUIRE(again.readings.size() == 2);
  CHECK(again.readings[0] == ReadingOutcome{real.uid.value, Disposition::kDuplicate});
  CHECK(again.readings[1] == ReadingOutcome{first.uid.value, Disposition::kDuplicate});
  CHECK(again.new_alerts.empty());
  CHECK(f.rows("readings") == 2);
  CHECK(f.rows("alerts") == alerts_before);
}

TEST_CASE("to_json_text: plain numbers, non-finite -> null, strings escaped") {
  boost::json::object o{{"a", 185.0}, {"b", 6.2}, {"c", 0.0001}, {"d", -3},
                        {"e", std::numeric_limits<double>::quiet_NaN()}, {"f", "x\"y"},
                        {"g", boost::json::array{1.5, true, nullptr}}};
  CHECK(to_json_text(o) == R"({"a":185,"b":6.2,"c":0.0001,"d":-3,"e":null,"f":"x\"y","g":[1.5,true,null]})");
}

TEST_CASE(
    "store_batch: payload gateway differs from topic -> quarantined, no reading, "
    "one admin technical alert") {
  Fixture f;
  auto reading = bp_reading("1", 190, 120);
  auto out = f.store_ok({kGw, 1, {reading}, {}}, GatewayId{"gw-other"});
  REQUIRE(out.readings.size() == 1);
  CHECK(out.readings[0].disposition == Disposition::kQuarantined);
  REQUIRE(out.new_alerts.size() == 1);  // no clinical alert: the technical one (issue 13)
  CHECK(out.new_alerts[0].rule_id == "quarantine.identity_mismatch");
  CHECK(out.new_alerts[0].patient.value.empty());
  CHECK(f.rows("readings") == 0);
  CHECK(f.rows("alerts") == 1);
  CHECK(f.rows("quarantine") == 1);
}

TEST_CASE("store_batch: device not enrolled -> quarantined, no reading") {
  Fixture f;
  auto out = f.store_ok({kGw, 1, {bp_reading("1", 120, 80, "UNKNOWN9")}, {}});
  REQUIRE(out.readings.size() == 1);
  CHECK(out.readings[0].disposition == Disposition::kQuarantined);
  CHECK(f.rows("readings") == 0);
  CHECK(f.rows("quarantine") == 1);
}

TEST_CASE("store_batch: rejected reading -> REJECTED, kept in quarantine, others stored") {
  Fixture f;
  RejectedReading bad{"gw-1/BP1/r9/bp", Error{Errc::kMalformed, 0, "NaN"}, "\x01\x02"};
  auto out = f.store_ok({kGw, 1, {bp_reading("1", 120, 80)}, {bad}});
  REQUIRE(out.readings.size() == 2);
  CHECK(out.readings[0].disposition == Disposition::kStored);
  CHECK(out.readings[1] == ReadingOutcome{"gw-1/BP1/r9/bp", Disposition::kRejected});
  CHECK(f.rows("readings") == 1);
  CHECK(f.rows("quarantine") == 1);
}

TEST_CASE("store_batch: enrolment change -> patient valid at measured time attributed") {
  Fixture f;
  // BP2 belonged to patient-a until kNow - 30 min, then to patient-b.
  auto cut = kNow - 30min;
  REQUIRE(
      f.store->patients().add_enrolment({kGw, DeviceSerial{"BP2"}, PatientId{"patient-a"}, HubTime{}, cut}));
  REQUIRE(f.store->patients().add_enrolment({kGw, DeviceSerial{"BP2"}, PatientId{"patient-b"}, cut, {}}));
  auto old_reading = bp_reading("1", 120, 80, "BP2");
  old_reading.hub_time = kNow - 1h;
  old_reading.device_time.reset();
  old_reading.clock_offset.reset();
  auto new_reading = bp_reading("2", 121, 81, "BP2");
  // Device clock 2 h fast: measured time is device time minus the offset, i.e. after the cut.
  new_reading.device_time = std::chrono::floor<std::chrono::seconds>(kNow - 10min + 2h);
  new_reading.clock_offset = 2h;
  f.store_ok({kGw, 1, {old_reading, new_reading}, {}});
  CHECK(f.store->ledger().readings(PatientId{"patient-a"}, 10).value().size() == 1);
  auto b = f.store->ledger().readings(PatientId{"patient-b"}, 10).value();
  REQUIRE(b.size() == 1);
  CHECK(b[0].uid == new_reading.uid);
  CHECK(b[0].clock_offset == std::chrono::seconds{7200});
}

TEST_CASE("seed_enrolment: same lines twice -> one row, new patient -> old row closed") {
  Fixture f;
  std::vector<Enrolment> lines{
      {kGw, DeviceSerial{"BP1"}, PatientId{"patient-1"}, HubTime{}, std::nullopt}};
  REQUIRE(f.store->patients().seed_enrolment(lines, kNow));
  CHECK(f.rows("enrolment") == 2);  // BP1, and the hub's `manual` following its one patient
  REQUIRE(f.store->patients().seed_enrolment(lines, kNow));
  CHECK(f.rows("enrolment") == 2);
  lines[0].patient = PatientId{"patient-2"};
  REQUIRE(f.store->patients().seed_enrolment(lines, kNow));
  CHECK(f.rows("enrolment") == 4);  // both moved to patient-2 at kNow
  Reading later = bp_reading("5", 120, 80);
  later.hub_time = kNow + 1min;
  later.device_time.reset();
  later.clock_offset.reset();
  f.store_ok({kGw, 1, {later}, {}});
  CHECK(f.store->ledger().readings(PatientId{"patient-2"}, 10).value().size() == 1);
}

TEST_CASE("alerts queries: newest first, after N -> ascending, only newer") {
  Fixture f;
  // Three patients: one patient's crossings of one rule would be grouped into one alert.
  REQUIRE(f.store->patients().seed_enrolment(
      {{kGw, DeviceSerial{"BP2"}, PatientId{"patient-2"}, HubTime{}, std::nullopt},
       {kGw, DeviceSerial{"BP3"}, PatientId{"patient-3"}, HubTime{}, std::nullopt}},
      kNow));
  f.store_ok({kGw, 1, {bp_reading("1", 181, 80), bp_reading("2", 120, 80)}, {}});
  f.store_ok({kGw, 2, {bp_reading("3", 182, 80, "BP2")}, {}});
  f.store_ok({kGw, 3, {bp_reading("4", 183, 80, "BP3")}, {}});
  auto recent = f.store->alert_book().recent_alerts(10).value();
  REQUIRE(recent.size() == 3);
  CHECK(recent[0].event_id > recent[1].event_id);
  auto after = f.store->alert_book().alerts_after(recent[2].event_id, 10).value();
  REQUIRE(after.size() == 2);
  CHECK(after[0].event_id == recent[1].event_id);
  CHECK(after[1].event_id == recent[0].event_id);
}

TEST_CASE("quarantine_payload: garbage bytes -> one quarantine row") {
  Fixture f;
  REQUIRE(f.store->ledger().quarantine_payload("kotona/v1/gw/gw-1/readings", "gw-1", "bad_payload",
                                               std::string("\x00\xff", 2), kNow));
  CHECK(f.rows("quarantine") == 1);
}

TEST_CASE("upsert_gateway_status: twice -> one row with the latest values") {
  Fixture f;
  REQUIRE(f.store->technical().upsert_gateway_status({kGw, kNow, 3, "{}"}));
  REQUIRE(f.store->technical().upsert_gateway_status({kGw, kNow + 1s, 0, "{\"a\":1}"}));
  CHECK(f.rows("gateway_status") == 1);
  auto row = f.store->technical().gateway_status(kGw).value();
  REQUIRE(row.has_value());
  CHECK(row->outbox_depth == 0);
  CHECK(row->status_json == "{\"a\":1}");
}

TEST_CASE("upsert_gateway_statuses: several hubs in one transaction, each hub's newest kept") {
  Fixture f;
  const GatewayId other{"gw-2"};
  REQUIRE(f.store->technical().upsert_gateway_status({kGw, kNow, 3, "{}"}));
  REQUIRE(f.store->technical().upsert_gateway_statuses(
      {{kGw, kNow + 1s, 1, "{\"a\":1}"}, {other, kNow + 2s, 7, "{\"b\":2}"}}));
  CHECK(f.rows("gateway_status") == 2);
  CHECK(f.store->technical().gateway_status(kGw).value()->outbox_depth == 1);
  CHECK(f.store->technical().gateway_status(other).value()->status_json == "{\"b\":2}");
  REQUIRE(f.store->technical().upsert_gateway_statuses({}));  // nothing: still a valid call
  CHECK(f.rows("gateway_status") == 2);
}

TEST_CASE("gateway_views: enrolled-but-never-heard and heard gateways, status fields parsed") {
  Fixture f;
  REQUIRE(f.store->patients().seed_enrolment(
      {{GatewayId{"gw-2"}, DeviceSerial{"X1"}, PatientId{"patient-9"}, HubTime{}, std::nullopt}},
      kNow));
  REQUIRE(f.store->technical().upsert_gateway_status(
      {kGw, kNow - 10s, 42,
       "{\"sent_unix_ms\":5000,\"oldest_unacked_unix_ms\":1000,\"devices\":[{\"serial\":\"BP1\","
       "\"state\":\"needs_pairing\",\"last_seen_unix_ms\":7}],\"counters\":{"
       "\"update_rolled_back\":2,\"update_rollback_failed\":-1}}"}));
  REQUIRE(f.store->technical().upsert_gateway_status({GatewayId{"gw-3"}, kNow, 0, "{}"}));
  auto views = f.store->technical().gateway_views(kNow).value();
  REQUIRE(views.size() == 3);
  CHECK(views[0].gateway == kGw);
  REQUIRE(views[0].last_heard.has_value());
  CHECK(*views[0].last_heard == kNow - 10s);
  CHECK(views[0].outbox_depth == 42);
  CHECK(views[0].status_sent_unix_ms == 5000);
  CHECK(views[0].oldest_unacked_unix_ms == 1000);
  REQUIRE(views[0].devices.size() == 1);
  CHECK(views[0].devices[0].state == "needs_pairing");
  REQUIRE(views[0].patients.size() == 1);
  CHECK(views[0].patients[0].value == "patient-1");
  // The updater's tallies (update_rollbacks.h reads them here, not from the JSON again): a
  // negative total is unreadable, a heartbeat naming none says 0, a hub never heard nothing.
  CHECK(views[0].update_rolled_back == std::optional<std::uint64_t>{2});
  CHECK_FALSE(views[0].update_rollback_failed.has_value());
  CHECK(views[1].gateway.value == "gw-2");
  CHECK_FALSE(views[1].last_heard.has_value());
  CHECK_FALSE(views[1].update_rolled_back.has_value());
  CHECK(views[2].update_rolled_back == std::optional<std::uint64_t>{0});
  CHECK(views[2].update_rollback_failed == std::optional<std::uint64_t>{0});
}

TEST_CASE("insert_technical_alerts: same episode twice -> one alert, new episode -> grouped") {
  Fixture f;
  server::alerts::GatewayView g;
  g.gateway = kGw;
  g.last_heard = kNow - 1h;
  g.patients = {PatientId{"patient-1"}};
  auto drafts = server::alerts::evaluate_gateway(g, kNow, HubTime{}, {});
  REQUIRE(drafts.size() == 1);
  auto first = f.store->alert_book().insert_technical_alerts(drafts, kNow).value();
  REQUIRE(first.size() == 1);
  CHECK(first[0].rule_id == "gateway.silent");
  CHECK(first[0].event_id > 0);
  CHECK(f.store->alert_book().insert_technical_alerts(drafts, kNow + 1min).value().empty());
  g.last_heard = kNow + 2min;  // heard again, then silent again: a new episode
  auto later = server::alerts::evaluate_gateway(g, kNow + 2h, HubTime{}, {});
  auto grouped = f.store->alert_book().insert_technical_alerts(later, kNow + 2h).value();
  REQUIRE(grouped.size() == 1);
  CHECK(grouped[0].change == "grouped");  // into the open alert of the same hub
  CHECK(grouped[0].crossings == 2);
  CHECK(f.rows("alerts") == 1);
  CHECK(f.rows("alert_events") == 2);
}

TEST_CASE("seen_counter: absent, then set, then updated") {
  Fixture f;
  CHECK_FALSE(f.store->technical().seen_counter("broker_dropped").value().has_value());
  REQUIRE(f.store->technical().set_seen_counter("broker_dropped", 5));
  REQUIRE(f.store->technical().set_seen_counter("broker_dropped", 9));
  CHECK(f.store->technical().seen_counter("broker_dropped").value() == std::optional<std::uint64_t>{9});
}

namespace {
Reading reading_of(const std::string& record, Measurement m) {
  return test::reading_of(kGw, "BP1", record, std::move(m), kNow - 1min);
}
std::vector<std::string> rule_ids(const BatchOutcome& out) {
  std::vector<std::string> ids;
  for (const auto& a : out.new_alerts) ids.push_back(a.rule_id + "/" + std::string(alerts::to_string(a.priority)));
  return ids;
}
}  // namespace

TEST_CASE("store_batch: INR > 8.0, glucose HI -> comparator stored, high alerts (inv. 14)") {
  Fixture f;
  auto inr = reading_of("1", Inr{8.0, {}, {}, Comparator::kAboveRange});
  auto glu = reading_of("2", Glucose{33.3, MealMarker::kUnknown, Comparator::kAboveRange});
  auto out = f.store_ok({kGw, 1, {inr, glu}, {}});
  CHECK(rule_ids(out) ==
        std::vector<std::string>{"inr.far_out_of_range/high", "glucose.hyper/high"});
  auto stored = f.store->ledger().readings(std::nullopt, 100).value();
  REQUIRE(stored.size() == 2);
  CHECK(stored[0].values_json.find("\"comparator\":\">\"") != std::string::npos);
  CHECK(stored[1].values_json.find("\"comparator\":\">\"") != std::string::npos);
  // The same uid saying 8.0 exact is another measurement: a conflict, not a duplicate.
  auto exact = reading_of("1", Inr{8.0, {}, {}});
  auto again = f.store_ok({kGw, 2, {exact}, {}});
  CHECK(again.readings.at(0).disposition != Disposition::kDuplicate);
}

TEST_CASE("store_batch: implausible systolic 420 -> stored flagged, technical alert only") {
  Fixture f;
  auto r = bp_reading("1", 420, 100);
  auto out = f.store_ok({kGw, 1, {r}, {}});
  CHECK(out.readings.at(0).disposition == Disposition::kStored);
  REQUIRE(rule_ids(out) == std::vector<std::string>{"reading.implausible/medium"});
  CHECK(out.new_alerts[0].message.find("systolic 420 mmHg outside 40..300") != std::string::npos);
  CHECK(out.new_alerts[0].patient.value == "patient-1");
  auto stored = f.store->ledger().readings(std::nullopt, 100).value();
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].quality_json.find("\"implausible\":true") != std::string::npos);
  // A second implausible value from the same device joins the open alert.
  auto more = f.store_ok({kGw, 2, {bp_reading("2", 19, 10)}, {}});
  REQUIRE(more.new_alerts.size() == 1);
  CHECK(more.new_alerts[0].change == "grouped");
}

TEST_CASE("store_batch: value the codec refused as non-finite -> quarantine + alert naming it") {
  Fixture f;
  RejectedReading inf{"gw-1/BP1/r9/weight",
                      Error{Errc::kOutOfRange, 0, "mass: value not finite (inf)"}, "\x01"};
  auto out = f.store_ok({kGw, 1, {}, {inf}});
  CHECK(f.rows("readings") == 0);
  CHECK(f.rows("quarantine") == 1);
  // The care team hears of the value (reading.unrepresentable); admins also get the
  // quarantine's own undecodable-batch alert.
  const auto ids = rule_ids(out);
  REQUIRE(std::count(ids.begin(), ids.end(), "reading.unrepresentable/medium") == 1);
  const auto it = std::find_if(out.new_alerts.begin(), out.new_alerts.end(), [](const auto& a) {
    return a.rule_id == "reading.unrepresentable";
  });
  REQUIRE(it != out.new_alerts.end());
  CHECK(it->message.find("mass: value not finite (inf)") != std::string::npos);
  CHECK(it->patient.value == "patient-1");
}
