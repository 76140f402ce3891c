// A patient's thresholds changed by a clinician (issue 18 part 5): the next reading is
// evaluated with them, on this store and on another instance sharing the database (no
// restart); the change is audited and in the history; invalid values are refused as the config
// parser refuses them; a stored value the config seed no longer accepts never silences an
// alert. Both backends.
#include <doctest/doctest.h>

#include "tests/support/readings.h"
#include "tests/support/store_fixture.h"

using namespace kotona;
using namespace kotona::server;
using namespace kotona::server::store;
using namespace std::chrono_literals;

namespace {

const GatewayId kGw{"gw-1"};
const PatientId kPatient{"patient-1"};
const HubTime kNow{std::chrono::milliseconds{1'790'000'000'000}};

test::StoreFixture enrolled() {
  return test::StoreFixture(test::enrolments(kGw, {"BP1"}, kPatient.value), kNow);
}

// Stores BP `systolic`/80 as record `record`; returns the rule ids it raised.
std::vector<std::string> measure(Store& store, int record, double systolic) {
  auto r = test::bp(kGw, "BP1", std::to_string(record), systolic, 80, kNow - 1h + record * 1s);
  auto out = store.ledger().store_batch(kGw, {kGw, static_cast<std::uint64_t>(record), {r}, {}},
                                        kNow + record * 1s);
  REQUIRE(out.has_value());
  std::vector<std::string> rules;
  for (const auto& a : out->new_alerts) rules.push_back(a.rule_id);
  return rules;
}

ThresholdWrite set(Store& store, const std::string& key, std::optional<std::string> value,
                   HubTime at = kNow) {
  auto w = store.thresholds().change(kPatient, {{key, std::move(value)}}, "dr-lee", at, 50);
  REQUIRE(w.has_value());
  return *w;
}

const ThresholdValue& value_of(const Thresholds& t, const std::string& key) {
  for (const auto& v : t.values) {
    if (v.key == key) return v;
  }
  FAIL("no threshold " << key);
  return t.values.front();
}

const std::vector<std::string> kCrisis{"bp.crisis"};
const std::vector<std::string> kNone{};

}  // namespace

TEST_CASE(
    "thresholds: a clinician's change -> the next reading alerts on it, audited, in the history, "
    "cleared again") {
  auto f = enrolled();
  CHECK(measure(*f.store, 1, 170) == kNone);
  auto w = set(*f.store, "bp_crisis_systolic_mmhg", "160");
  REQUIRE_FALSE(w.refused.has_value());
  const auto& v = value_of(w.after, "bp_crisis_systolic_mmhg");
  CHECK(v.value == 160);
  CHECK(v.default_value == 180);
  CHECK(v.source == "set");
  CHECK(v.set_by == "dr-lee");
  CHECK(v.set_at == kNow);
  CHECK(value_of(w.after, "bp_crisis_diastolic_mmhg").source == "default");
  CHECK(measure(*f.store, 2, 170) == kCrisis);
  // The same value again writes nothing.
  REQUIRE_FALSE(set(*f.store, "bp_crisis_systolic_mmhg", "160", kNow + 1s).refused);
  CHECK(f.rows("rule_threshold_changes") == 1);
  auto cleared = set(*f.store, "bp_crisis_systolic_mmhg", std::nullopt, kNow + 2s);
  CHECK(value_of(cleared.after, "bp_crisis_systolic_mmhg").value == 180);
  CHECK(value_of(cleared.after, "bp_crisis_systolic_mmhg").source == "default");
  CHECK(measure(*f.store, 3, 170) == kNone);
  REQUIRE(cleared.after.history.size() == 2);  // newest first
  CHECK(cleared.after.history[0].before == "160");
  CHECK_FALSE(cleared.after.history[0].after.has_value());
  CHECK_FALSE(cleared.after.history[1].before.has_value());
  CHECK(cleared.after.history[1].after == "160");
  CHECK(cleared.after.history[1].actor == "dr-lee");
  auto audit = f.store->audit_log().rows(AlertId{"patient/patient-1"}, 10).value();
  REQUIRE(audit.size() == 2);
  CHECK(audit[1].action == "thresholds.update");
  CHECK(audit[1].actor == "dr-lee");
  CHECK(audit[1].detail == "bp_crisis_systolic_mmhg: - -> 160");
  CHECK(audit[0].detail == "bp_crisis_systolic_mmhg: 160 -> -");
  CHECK(f.store->audit_log().verify().value().ok);
  f.reopen();
  CHECK(f.store->thresholds().thresholds(kPatient, 50).value().history.size() == 2);
}

TEST_CASE(
    "thresholds: a second store instance on the same database -> its next reading uses the change, "
    "no restart") {
  auto f = enrolled();
  auto second = Store::open(f.location);
  REQUIRE(second.has_value());
  Store& other = **second;
  // The other instance has evaluated this patient already (its cache holds the defaults).
  CHECK(measure(other, 1, 170) == kNone);
  REQUIRE_FALSE(set(*f.store, "bp_crisis_systolic_mmhg", "160").refused);
  CHECK(measure(other, 2, 170) == kCrisis);
  // Raised back above the reading on the first instance: the other stops alerting on it.
  REQUIRE_FALSE(set(*f.store, "bp_crisis_systolic_mmhg", "175", kNow + 1s).refused);
  CHECK(measure(other, 3, 170) == kNone);
  CHECK(measure(other, 4, 176) == kCrisis);
  auto seen = other.thresholds().thresholds(kPatient, 50).value();
  CHECK(value_of(seen, "bp_crisis_systolic_mmhg").value == 175);
  CHECK(seen.history.size() == 2);
}

TEST_CASE(
    "thresholds: a second instance's group commit -> the change is used from its next group, "
    "read once per transaction") {
  // The ingest reads the change id once per transaction (ThresholdBook::VersionPin, issue 15):
  // a group of batches evaluated before the change, the next group after it.
  auto f = enrolled();
  auto second = Store::open(f.location);
  REQUIRE(second.has_value());
  Store& other = **second;
  auto group = [&](int first) {
    std::vector<GroupedBatch> batches;
    for (int record = first; record < first + 2; ++record) {
      auto r = test::bp(kGw, "BP1", std::to_string(record), 170, 80, kNow - 1h + record * 1s);
      batches.push_back({kGw, {kGw, static_cast<std::uint64_t>(record), {r}, {}}, kNow});
    }
    auto out = other.ledger().store_batches(batches);
    REQUIRE(out.has_value());
    std::vector<std::string> rules;
    for (const auto& batch : *out) {
      REQUIRE(batch.has_value());
      for (const auto& a : batch->new_alerts) rules.push_back(a.rule_id);
    }
    return rules;
  };
  CHECK(group(1) == kNone);
  REQUIRE_FALSE(set(*f.store, "bp_crisis_systolic_mmhg", "160").refused);
  CHECK(group(3) == std::vector<std::string>{"bp.crisis", "bp.crisis"});
  REQUIRE_FALSE(set(*f.store, "bp_crisis_systolic_mmhg", "175", kNow + 1s).refused);
  CHECK(group(5) == kNone);
  CHECK(measure(other, 7, 170) == kNone);  // a single batch's transaction as well
}

TEST_CASE("thresholds: invalid values -> refused with the config parser's text, nothing written") {
  auto f = enrolled();
  struct Case {
    std::string key, value, code;
  };
  for (const auto& c :
       {Case{"bp_crisis_systolic_mmhg", "abc", "number"},
        Case{"bp_crisis_systolic_mmhg", "-5", "number"},
        Case{"bp_crisis_systolic_mmhg", "1 80", "number"}, Case{"inr_target_low", "3.5", "inr"},
        Case{"bp_hypotension_systolic_mmhg", "185", "bp"}, Case{"no_such_limit", "1", "unknown"}}) {
    CAPTURE(c.value);
    auto w = set(*f.store, c.key, c.value);
    REQUIRE(w.refused.has_value());
    CHECK(w.refused->code == c.code);
    alerts::RuleConfig config;
    auto parsed = alerts::parse_rule_settings(c.key + "=" + c.value, config);
    if (c.value.find(' ') == std::string::npos) {
      REQUIRE_FALSE(parsed.has_value());
      CHECK(w.refused->detail == parsed.error().detail);
    }
    if (c.code == "number" || c.code == "unknown") {
      CHECK(w.refused->key == c.key);
      CHECK(w.refused->value == c.value);
    }
  }
  CHECK(f.rows("rule_thresholds") == 0);
  CHECK(f.rows("rule_threshold_changes") == 0);
  CHECK(f.store->audit_log().rows(AlertId{"patient/patient-1"}, 10).value().empty());
  // A range moves in one change, as in one config line.
  auto moved = f.store->thresholds().change(
      kPatient, {{"inr_target_low", "3.2"}, {"inr_target_high", "4.0"}}, "dr-lee", kNow, 50);
  REQUIRE(moved.has_value());
  CHECK_FALSE(moved->refused.has_value());
  CHECK(f.rows("rule_threshold_changes") == 2);
  CHECK(f.store->audit_log().rows(AlertId{"patient/patient-1"}, 10).value().size() == 1);
}

TEST_CASE(
    "thresholds: the config seed shown as config, a stored value the seed refuses -> the seed in "
    "force, alerts still raised, shown not in force with the refusal, thresholds.refused once") {
  auto f = enrolled();
  alerts::RuleConfig seed;
  seed.bp_crisis_systolic_mmhg = 150;
  f.store->alert_book().set_rule_configs({{kPatient.value, seed}});
  auto shown = f.store->thresholds().thresholds(kPatient, 50).value();
  CHECK(value_of(shown, "bp_crisis_systolic_mmhg").source == "config");
  CHECK(value_of(shown, "bp_crisis_systolic_mmhg").value == 150);
  CHECK(value_of(shown, "spo2_low_percent").source == "default");
  REQUIRE_FALSE(set(*f.store, "bp_hypotension_systolic_mmhg", "140").refused);
  CHECK(measure(*f.store, 1, 151) == kCrisis);
  CHECK(value_of(f.store->thresholds().thresholds(kPatient, 50).value(),
                 "bp_hypotension_systolic_mmhg")
            .in_force);
  // A restart with a config line the stored value contradicts (hypotension 140 >= crisis 130).
  seed.bp_crisis_systolic_mmhg = 130;
  f.store->alert_book().set_rule_configs({{kPatient.value, seed}});
  // What the rules use is the seed (135 is no hypotension on 90), and a person hears of it
  // once: thresholds.refused for the patient and key, not again with the next reading.
  CHECK(measure(*f.store, 2, 135) == std::vector<std::string>{"thresholds.refused", "bp.crisis"});
  CHECK(measure(*f.store, 3, 136) == kCrisis);  // grouped; the refusal not raised again
  // The page is told the same: not in force, the seed's value, the refusal's words.
  auto now_shown = f.store->thresholds().thresholds(kPatient, 50).value();
  const auto& low = value_of(now_shown, "bp_hypotension_systolic_mmhg");
  CHECK(low.source == "set");
  CHECK(low.stored == "140");
  CHECK_FALSE(low.in_force);
  CHECK(low.value == 90);
  REQUIRE(low.refusal.has_value());
  CHECK(low.refusal->code == "bp");
  CHECK(low.refusal->detail.find("below the crisis limit") != std::string::npos);
  CHECK(value_of(now_shown, "bp_crisis_systolic_mmhg").in_force);  // not stored: the seed's
  auto tech = f.store->alert_book().recent_alerts(10, {}).value();
  int refused_alerts = 0;
  for (const auto& a : tech) {
    if (a.rule_id != "thresholds.refused") continue;
    ++refused_alerts;
    // A range refused as a whole names no one key: subject "thresholds", episode its code.
    CHECK(a.alert_id.value == "tech/thresholds.refused/thresholds/bp/patient-1");
    CHECK(a.patient == kPatient);
  }
  CHECK(refused_alerts == 1);
  // Reset to the seed: in force again, and no new alert.
  REQUIRE_FALSE(set(*f.store, "bp_hypotension_systolic_mmhg", std::nullopt).refused);
  CHECK(value_of(f.store->thresholds().thresholds(kPatient, 50).value(),
                 "bp_hypotension_systolic_mmhg")
            .in_force);
  CHECK(measure(*f.store, 4, 100) == kNone);
}
