// The clinician page end to end in a real browser: mosquitto + kotona-server + gateway + a
// simulated BP monitor; headless Debian chromium (playwright-core, clinician_page.cjs) sees a
// crisis alert appear live and escalate (3 s), filters, acknowledges it with a note, opens the
// trend and resolves it; then the database and the audit chain are checked.
#include <doctest/doctest.h>

#include <filesystem>
#include <functional>
#include <map>

#include "server/store/database.h"
#include "server/store/store.h"
#include "tests/integration/system.h"
#include "tests/support/key_pair.h"
#include "tests/support/readings.h"
#include "tests/support/store_location.h"

using namespace kotona::test;
using namespace std::chrono_literals;

namespace {

// The first `columns` columns of every row, as text, through the store's own Database
// interface: the same code reads SQLite and PostgreSQL (the "[postgresql]" run).
std::vector<std::vector<std::string>> rows(const std::string& location, const std::string& sql,
                                           int columns) {
  auto db = kotona::server::store::Database::open(location);
  REQUIRE_MESSAGE(db.has_value(), (db ? "" : kotona::describe(db.error())));
  auto stmt = (*db)->prepare(sql);
  REQUIRE_MESSAGE(stmt.has_value(), (stmt ? "" : kotona::describe(stmt.error())));
  std::vector<std::vector<std::string>> out;
  while (true) {
    auto row = stmt->step();
    REQUIRE_MESSAGE(row.has_value(), (row ? "" : kotona::describe(row.error())));
    if (!*row) break;
    std::vector<std::string> values;
    for (int i = 0; i < columns; ++i) {
      values.push_back(stmt->column_is_null(i) ? "" : stmt->column_text(i));
    }
    out.push_back(std::move(values));
  }
  return out;
}

// Runs tests/web/`script` in headless chromium against the server's page (argv: playwright,
// the page's URL, then `args`); once it prints "page live", `device` measures through the
// gateway; the script must end by itself, exit 0 and print "page ok".
void run_page(SystemUnderTest& sys, const std::string& script, std::vector<std::string> args,
              const SimDevice& device) {
  std::string url = "http://127.0.0.1:" + std::to_string(sys.http_port()) + "/";
  std::vector<std::string> argv{KOTONA_NODE, std::string(KOTONA_WEB_DIR "/") + script,
                                KOTONA_PLAYWRIGHT_CORE, url};
  argv.insert(argv.end(), args.begin(), args.end());
  std::filesystem::create_directories(KOTONA_SHOT_DIR);
  Child browser(argv, sys.dir() / "browser.log");
  REQUIRE_MESSAGE(browser.wait_for_log("page live", 90s).has_value(), browser.log_text());
  sys.start_device(device);
  sys.start_gateway();
  REQUIRE_MESSAGE(eventually([&] { return !browser.running(); }, 150s),
                  std::string(browser.log_text() + sys.diagnostics()));
  CHECK_MESSAGE(browser.stop() == 0, std::string(browser.log_text() + sys.diagnostics()));
  CHECK_MESSAGE(browser.log_text().find("page ok") != std::string::npos, browser.log_text());
}

// The usual system: patient-1 on care team ward-1 with clinician dr-page, broker and server
// started with `device` enrolled on the test hub.
void start_ward_1(SystemUnderTest& sys, const std::string& device) {
  sys.extra_server_config =
      "team = ward-1 patient-1\n" + test_user_config("dr-page", "clinician", "ward-1");
  sys.start_broker();
  sys.start_server({device});
}

// The audit chain verifies (GET /api/v1/audit/verify).
void check_audit_chain(SystemUnderTest& sys) {
  auto verify = http_get(sys.http_port(), "/api/v1/audit/verify");
  REQUIRE(verify.has_value());
  CHECK(boost::json::parse(verify->body).at("ok").as_bool());
}

// patient-1 in the register as Aino Virtanen, care team ward-1 (as the server's admin).
void register_aino(SystemUnderTest& sys) {
  auto registered =
      http_request(sys.http_port(), "POST", "/api/v1/patients",
                   R"({"patient_id":"patient-1","display_name":"Aino Virtanen","team":"ward-1"})");
  REQUIRE(registered.has_value());
  REQUIRE(registered->status == 201);
}

}  // namespace

TEST_CASE(
    "clinician page: alert appears live, escalates, acknowledged with a note, trend, resolved") {
  SystemUnderTest sys;
  sys.extra_server_config =
      "escalate_after_s = 3\nescalation_check_ms = 200\n"
      "team = ward-1 patient-1\n" +
      test_user_config("dr-page", "clinician", "ward-1");
  sys.start_broker();
  sys.start_server({"BPSIM0001"});
  run_page(
      sys, "clinician_page.cjs", {"dr-page", kTestPassword},
      {"BPSIM0001", {"measure", "128/82/66", "measure", "131/84/70", "measure", "186/116/82"}, {}});

  const auto& db = sys.store_location();
  CHECK(kotona::server::store::Database::open(db).value()->backend() ==
        (testing_postgres() ? "postgresql" : "sqlite"));  // the "[postgresql]" run really is
  auto alert = rows(db,
                    "SELECT state, acked_by, ack_note, resolved_by, resolve_note, priority "
                    "FROM alerts",
                    6);
  REQUIRE(alert.size() == 1);
  CHECK(alert[0] == std::vector<std::string>{"resolved", "dr-page",
                                             "phoned patient, repeat BP in 1 h", "dr-page",
                                             "BP back to 130/85", "high"});
  auto audit = rows(db, "SELECT seq, actor, action, detail FROM audit_log ORDER BY seq", 4);
  REQUIRE(audit.size() == 4);
  // The page's wrong password first (issue 17: failed sign-ins are in the chain), never the
  // password itself.
  CHECK(audit[0][1] == "anonymous");
  CHECK(audit[0][2] == "login.failed");
  CHECK(audit[0][3].find("wrong") == std::string::npos);
  CHECK(audit[1][1] == "system");
  CHECK(audit[1][2] == "escalate");
  CHECK(audit[2] ==
        std::vector<std::string>{"3", "dr-page", "ack", "phoned patient, repeat BP in 1 h"});
  CHECK(audit[3][2] == "resolve");
  CHECK(rows(db, "SELECT alert_id FROM escalation_deadlines", 1).empty());
  auto verify = http_get(sys.http_port(), "/api/v1/audit/verify");
  REQUIRE(verify.has_value());
  auto verdict = boost::json::parse(verify->body).as_object();
  CHECK(verdict.at("ok").as_bool());
  CHECK(verdict.at("rows").as_int64() == 4);
}

TEST_CASE(
    "page quarantine section (issue 13 §3): a not-enrolled meter's reading listed with its "
    "values, release refused until enrolled, then stored once with its alert") {
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({});  // nothing enrolled: the page's admin registers and enrols
  const std::string meter = "BPSIM0099";
  run_page(sys, "quarantine_page.cjs",
           {"admin", kTestPassword, sys.gateway_id(), meter, "patient-q"},
           {meter, {"measure", "186/116/82"}, {}});

  const auto& db = sys.store_location();
  auto stored = rows(db, "SELECT patient_id, device_serial FROM readings", 2);
  CHECK(stored == std::vector<std::vector<std::string>>{{"patient-q", meter}});  // once
  CHECK(rows(db, "SELECT seq FROM audit_log WHERE action = 'quarantine_release'", 1).size() == 1);
  CHECK(rows(db, "SELECT alert_id FROM alerts WHERE rule_id = 'bp.crisis'", 1).size() == 1);
}

TEST_CASE(
    "page record push section (issue 19): the admin sees the waiting reading and its age, since "
    "when the record system fails, and the rejected reading with its OperationOutcome, fi sv "
    "en") {
  SystemUnderTest sys;
  const std::string meter = "BPSIM0001";
  const std::string rejected = sys.expected_uid(meter, "2");  // the second measurement
  const std::string pending = sys.expected_uid(meter, "3");
  const int port = free_port();
  const auto key = sys.dir() / "jwt.key", pub = sys.dir() / "jwt.pub";
  write_key_pair(key, pub, "P-384");  // the push authenticates by OAuth2 (ES384)
  Child receiver({"/usr/bin/python3", KOTONA_WEB_DIR "/../record/fhir_receiver.py", "--port",
                  std::to_string(port), "--state", (sys.dir() / "record-state.json").string(),
                  "--reject", rejected, "--down-for", pending, "--oauth-public-key", pub.string(),
                  "--client-id", "kotona-page", "--kid", "page-1"},
                 sys.dir() / "receiver.log");
  REQUIRE(wait_for_port(port, 10s));
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  sys.extra_server_config =
      "record_endpoint = " + base + "/fhir\nrecord_token_endpoint = " + base +
      "/token\nrecord_client_id = kotona-page\nrecord_jwt_key = " + key.string() +
      "\nrecord_jwt_kid = page-1\nrecord_poll_ms = 100\n"
      "record_backoff_min_ms = 100\nrecord_backoff_max_s = 1\n";
  sys.start_broker();
  sys.start_server({meter});
  run_page(sys, "record_page.cjs", {"admin", kTestPassword, rejected, pending, KOTONA_SHOT_DIR},
           {meter, {"measure", "128/82/66", "measure", "131/84/70", "measure", "133/85/71"}, {}});
  const auto& db = sys.store_location();
  CHECK(rows(db, "SELECT reading_uid, http_status FROM record_dead_letter", 2) ==
        std::vector<std::vector<std::string>>{{rejected, "422"}});
}

namespace {

// i18n_page.cjs in `lang`: the page with a live alert, its dialog and trend open shows no
// untranslated text, the patient by name and age, the henkilötunnus masked until its show
// button (then in full, with an audit row naming the user).
void page_in_language(const std::string& lang) {
  SystemUnderTest sys;
  // Alerts of several rules for the sentence checks: two clinical (crisis, hypotension with a
  // limit that has decimals) and two technical (the device silent after 3 s, INR never sent).
  sys.extra_server_config =
      "team = ward-1 patient-1\n" + test_user_config("dr-page", "clinician", "ward-1") +
      "rule = patient-1 bp_hypotension_systolic_mmhg=90.5\n"
      "expect = gw-test-0001 BPSIM0001 2s\ndue = patient-1 inr 2s\ntechnical_check_ms = 500\n";
  sys.start_broker();
  sys.start_server({"BPSIM0001"});
  run_page(sys, "i18n_page.cjs", {"dr-page", kTestPassword, kTestPassword, lang, KOTONA_SHOT_DIR},
           {"BPSIM0001", {"measure", "186/116/82", "measure", "85/55/60"}, {}});
}

}  // namespace

TEST_CASE("page languages (issue 18): Finnish, the default -> no untranslated text") {
  page_in_language("fi");
}
TEST_CASE("page languages (issue 18): Swedish -> no untranslated text") { page_in_language("sv"); }
TEST_CASE("page languages (issue 18): English -> no untranslated text") { page_in_language("en"); }

TEST_CASE(
    "page worklist (issue 18 parts 1 to 3): language kept on the server per user, claim and "
    "notes seen by a colleague live, the team by name and its filter") {
  SystemUnderTest sys;
  sys.extra_server_config =
      "team = ward-1 patient-1\nteam = ward-2 patient-2\nteam_name = ward-1 Sydänhoitajat\n"
      "team_name = ward-2 Kotisairaala\n" +
      test_user_config("dr-page", "clinician", "ward-1") +
      test_user_config("dr-two", "clinician", "ward-1");
  sys.start_broker();
  sys.start_server({"BPSIM0001"});
  run_page(sys, "worklist_page.cjs",
           {"dr-page", kTestPassword, "dr-two", kTestPassword, KOTONA_SHOT_DIR},
           {"BPSIM0001", {"measure", "186/116/82"}, {}});

  const auto& db = sys.store_location();
  CHECK(rows(db, "SELECT user_name, language FROM user_settings", 2) ==
        std::vector<std::vector<std::string>>{{"dr-page", "sv"}});
  CHECK(rows(db, "SELECT claimed_by, note_count, state FROM alerts WHERE rule_id = 'bp.crisis'",
             3) == std::vector<std::vector<std::string>>{{"", "1", "open"}});
  CHECK(rows(db, "SELECT subject, author, text FROM notes ORDER BY id", 3).size() == 2);
  auto audit = rows(db,
                    "SELECT actor, action FROM audit_log WHERE action NOT LIKE 'log%' "
                    "ORDER BY seq",
                    2);
  CHECK(audit == std::vector<std::vector<std::string>>{{"admin", "patient.create"},
                                                       {"dr-page", "settings.update"},
                                                       {"dr-page", "claim"},
                                                       {"dr-page", "note"},
                                                       {"dr-page", "patient.note"},
                                                       {"dr-page", "unclaim"}});
  check_audit_chain(sys);
}

namespace {

// Stores the readings `make(hub, now)` gives as `hub` would have sent them, through the
// server's own store code (a second connection) before the page opens; `rules` first, as the
// server's `rule` lines (the alerts raised on the way use them). Each must end `expected`.
using Readings = std::vector<kotona::Reading>;
using MakeReadings = std::function<Readings(const kotona::GatewayId&, kotona::HubTime)>;
void store_as(SystemUnderTest& sys, const kotona::GatewayId& hub, const MakeReadings& make,
              kotona::server::store::Disposition expected,
              const std::map<std::string, kotona::server::alerts::RuleConfig>& rules = {}) {
  auto store = kotona::server::store::Store::open(sys.store_location());
  REQUIRE_MESSAGE(store.has_value(), (store ? "" : kotona::describe(store.error())));
  if (!rules.empty()) (*store)->alert_book().set_rule_configs(rules);
  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  kotona::server::store::Batch batch{hub, 1, make(hub, now), {}};
  auto out = (*store)->ledger().store_batch(hub, batch, now);
  REQUIRE_MESSAGE(out.has_value(), (out ? "" : kotona::describe(out.error())));
  for (const auto& r : out->readings) CHECK(r.disposition == expected);
}

// store_as() on the system's own hub, every reading stored.
void store_as_hub(SystemUnderTest& sys, const MakeReadings& make,
                  const std::map<std::string, kotona::server::alerts::RuleConfig>& rules = {}) {
  store_as(sys, kotona::GatewayId{sys.gateway_id()}, make,
           kotona::server::store::Disposition::kStored, rules);
}

Readings history(const kotona::GatewayId& gw, kotona::HubTime now) {
  using kotona::test::reading_of;
  auto ago = [&](double days) {
    return now - std::chrono::milliseconds(static_cast<std::int64_t>(days * 86'400'000));
  };
  Readings readings;
  // INR 2.0, 3.0, 4.0, 3.0 on days -24, -16, -8, -2: in 2.5-3.5 for 4 + 4 + 3 of 22 days (50 %).
  int record = 0;
  for (auto [day, inr] : {std::pair{24.0, 2.0}, {16.0, 3.0}, {8.0, 4.0}, {2.0, 3.0}}) {
    readings.push_back(reading_of(gw, "INR0001", std::to_string(++record),
                                  kotona::Inr{inr, std::nullopt, std::nullopt}, ago(day)));
  }
  // Glucose from two meters: 5.0, 7.0, 12.0 and 3.5, 6.0 (3 of 5 in 3.9-10.0: 60 %).
  for (auto [serial, day, mmol] : {std::tuple{"GLU0001", 20.0, 5.0},
                                   {"GLU0001", 12.0, 7.0},
                                   {"GLU0001", 3.0, 12.0},
                                   {"GLU0002", 18.0, 3.5},
                                   {"GLU0002", 9.0, 6.0}}) {
    readings.push_back(
        reading_of(gw, serial, std::to_string(++record), kotona::Glucose{mmol}, ago(day)));
  }
  // A second BP monitor at home: 140/90 and 130/80 (with the live 186/116: mean 152/95).
  readings.push_back(kotona::test::bp(gw, "BPHOME1", std::to_string(++record), 140, 90, ago(10)));
  readings.push_back(kotona::test::bp(gw, "BPHOME1", std::to_string(++record), 130, 80, ago(3)));
  for (auto [day, kg] : {std::pair{21.0, 81.2}, {10.0, 81.9}, {1.0, 82.4}}) {
    readings.push_back(
        reading_of(gw, "SCALE01", std::to_string(++record), kotona::Weight{kg}, ago(day)));
  }
  for (auto [day, pct] : {std::pair{15.0, 95.0}, {4.0, 93.0}}) {
    readings.push_back(reading_of(gw, "OXI0001", std::to_string(++record),
                                  kotona::Spo2{pct, std::nullopt}, ago(day)));
  }
  for (auto [day, c] : {std::pair{14.0, 36.8}, {5.0, 37.9}}) {
    readings.push_back(
        reading_of(gw, "TEMP001", std::to_string(++record), kotona::Temperature{c}, ago(day)));
  }
  kotona::CardiacImplantSummary implant;
  implant.battery_status = kotona::BatteryStatus::kOk;
  implant.longevity_months = 84;
  implant.right_atrium.lead_impedance_ohm = 510;
  implant.right_ventricle.lead_impedance_ohm = 2400;  // high: a lead alert
  implant.at_af_burden_percent = 7.5;
  implant.at_af_episodes = 3;
  implant.vt_vf_episodes = 1;
  implant.atp_therapies = 0;
  implant.shocks_delivered = 1;
  readings.push_back(reading_of(gw, "IMP0001", std::to_string(++record), implant, ago(6)));
  return readings;
}

void seed_history(SystemUnderTest& sys) {
  kotona::server::alerts::RuleConfig own;  // as the server's `rule` line
  own.inr_target_low = 2.5;
  own.inr_target_high = 3.5;
  store_as_hub(sys, history, {{"patient-1", own}});
}

}  // namespace

namespace {

// patient-1 (Aino Virtanen, ward-1, clinician dr-page) with every seeded device enrolled, its
// own INR range 2.5-3.5 and seed_history() stored: the overview's and the a11y views' system.
void start_with_history(SystemUnderTest& sys) {
  std::string enrol;
  for (const char* serial :
       {"INR0001", "GLU0001", "GLU0002", "IMP0001", "SCALE01", "OXI0001", "TEMP001", "BPHOME1"}) {
    enrol += "enrol = " + sys.gateway_id() + " " + serial + " patient-1\n";
  }
  sys.extra_server_config = "team = ward-1 patient-1\n" +
                            test_user_config("dr-page", "clinician", "ward-1") + enrol +
                            "rule = patient-1 inr_target_low=2.5 inr_target_high=3.5\n";
  sys.start_broker();
  sys.start_server({"BPSIM0001"});
  register_aino(sys);
  seed_history(sys);
}

// overview_page.cjs in `lang` over patient-1's seeded history and a live crisis.
void overview_in(const std::string& lang) {
  SystemUnderTest sys;
  start_with_history(sys);
  run_page(sys, "overview_page.cjs", {"dr-page", kTestPassword, lang, KOTONA_SHOT_DIR},
           {"BPSIM0001", {"measure", "186/116/82"}, {}});
}

// a11y_views_page.cjs in `lang`: the seeded history's alerts (INR 4.0 medium open, glucose 3.5
// medium, resolved here by dr-page), the hub's disk reported low (gateway.disk_low, low: every
// free disk is under 1 TiB) and a live crisis (high).
void a11y_views_in(const std::string& lang) {
  SystemUnderTest sys;
  sys.extra_gateway_config = "outbox_low_kb = 1073741824\n";
  start_with_history(sys);
  {
    auto store = kotona::server::store::Store::open(sys.store_location());
    REQUIRE_MESSAGE(store.has_value(), (store ? "" : kotona::describe(store.error())));
    auto alerts = (*store)->alert_book().recent_alerts(100);
    REQUIRE(alerts.has_value());
    int resolved = 0;
    for (const auto& a : *alerts) {
      if (a.rule_id != "glucose.hypo_l1") continue;
      auto now =
          std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
      REQUIRE((*store)->alert_book().resolve(a.alert_id, "dr-page", "soitettu", now).has_value());
      ++resolved;
    }
    REQUIRE(resolved == 1);
  }
  run_page(sys, "a11y_views_page.cjs", {"dr-page", kTestPassword, lang, KOTONA_SHOT_DIR},
           {"BPSIM0001", {"measure", "186/116/82"}, {}});
}

}  // namespace

TEST_CASE(
    "page overview (issue 18 part 4): 30 days of every kind, one line per device, the "
    "patient's targets, TTR (Rosendaal), glucose in range, device rows, implant table, alert "
    "history, print view") {
  overview_in("fi");
}
TEST_CASE("page overview (issue 18 part 4): in Swedish -> no untranslated text") {
  overview_in("sv");
}
TEST_CASE("page overview (issue 18 part 4): in English -> no untranslated text") {
  overview_in("en");
}

TEST_CASE(
    "page accessibility of every row kind and the patient view's panels (issue 18 part 9): "
    "Finnish, axe on high, medium, low and resolved rows, the overview and the thresholds "
    "panel at 1366x768 and 768x1024") {
  a11y_views_in("fi");
}
TEST_CASE(
    "page accessibility of every row kind and the patient view's panels (issue 18 part 9): "
    "Swedish") {
  a11y_views_in("sv");
}
TEST_CASE(
    "page accessibility of every row kind and the patient view's panels (issue 18 part 9): "
    "English") {
  a11y_views_in("en");
}

TEST_CASE(
    "page overview as the demo shows it (issue 18 part 4): the age in the heading, TTR over "
    "tests minutes apart in hours, the newest 10 of 14 implant summaries and a button for all, "
    "a stored threshold the config now refuses said NOT IN FORCE with the value in use") {
  SystemUnderTest sys;
  // The config's hypoglycaemia level 2 at 3.5: patient-1's stored level 1 of 3.2 (below it)
  // is refused, the config's 3.9 is in force.
  sys.extra_server_config =
      "team = ward-1 patient-1\n" + test_user_config("dr-page", "clinician", "ward-1") +
      "enrol = " + sys.gateway_id() + " INR0001 patient-1\nenrol = " + sys.gateway_id() +
      " IMP0001 patient-1\nrule = patient-1 glucose_hypo_l2_mmol_l=3.5\n";
  sys.start_broker();
  sys.start_server({"BPSIM0001"});
  auto registered = http_request(
      sys.http_port(), "POST", "/api/v1/patients",
      R"({"patient_id":"patient-1","display_name":"Aino Virtanen","henkilotunnus":"131052-308T","team":"ward-1"})");
  REQUIRE(registered.has_value());
  REQUIRE(registered->status == 201);
  store_as_hub(sys, [](const kotona::GatewayId& gw, kotona::HubTime now) {
    using kotona::test::reading_of;
    Readings readings;
    int record = 0;
    // INR 2.5, 2.5, 3.5 thirty minutes apart (2.0-3.0): 45 of 60 minutes in range, 75 %.
    for (auto [min, inr] : {std::pair{70, 2.5}, {40, 2.5}, {10, 3.5}}) {
      readings.push_back(reading_of(gw, "INR0001", std::to_string(++record),
                                    kotona::Inr{inr, std::nullopt, std::nullopt},
                                    now - std::chrono::minutes(min)));
    }
    for (int day = 1; day <= 14; ++day) {  // a daily summary, nothing alerting
      kotona::CardiacImplantSummary implant;
      implant.battery_status = kotona::BatteryStatus::kOk;
      implant.longevity_months = 84;
      implant.right_ventricle.lead_impedance_ohm = 500 + day;
      readings.push_back(reading_of(gw, "IMP0001", std::to_string(++record), implant,
                                    now - std::chrono::hours(24 * day)));
    }
    return readings;
  });
  {  // set before the config line came (this connection has no seed: the defaults, 3.0)
    auto store = kotona::server::store::Store::open(sys.store_location());
    REQUIRE_MESSAGE(store.has_value(), (store ? "" : kotona::describe(store.error())));
    auto set = (*store)->thresholds().change(
        kotona::PatientId{"patient-1"}, {{"glucose_hypo_l1_mmol_l", "3.2"}}, "dr-page",
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()),
        10);
    REQUIRE_MESSAGE(set.has_value(), (set ? "" : kotona::describe(set.error())));
    REQUIRE_FALSE(set->refused.has_value());
  }
  run_page(sys, "overview_short_page.cjs", {"dr-page", kTestPassword, KOTONA_SHOT_DIR},
           {"BPSIM0001", {"measure", "186/116/82"}, {}});
}

TEST_CASE(
    "page attention (issue 18 part 6): a new high alert live -> tone, desktop notification, "
    "the count in the title, a medium alert and the initial load -> silent") {
  SystemUnderTest sys;
  start_ward_1(sys, "INRSIM0001");
  // 3.4: outside the 2-3 target (medium); 6.0: far outside (high, >= 5.0), 4 s later.
  run_page(sys, "attention_page.cjs", {"dr-page", kTestPassword, kTestPassword, KOTONA_SHOT_DIR},
           {"INRSIM0001", {"measure", "3.4", "wait", "4000", "measure", "6.0"}, {}, "astm-inr"});

  const auto& db = sys.store_location();
  CHECK(rows(db, "SELECT user_name, alert_sound, alert_notify FROM user_settings", 3) ==
        std::vector<std::vector<std::string>>{{"dr-page", "", "1"}});
  CHECK(rows(db, "SELECT actor, detail FROM audit_log WHERE action = 'settings.update'", 2) ==
        std::vector<std::vector<std::string>>{{"dr-page", "alert_notify=on"}});
}

TEST_CASE(
    "page accessibility (issue 18 part 9): axe on every view at 1366x768 and 768x1024, the "
    "worklist by keyboard only: alerts claimed and acknowledged") {
  SystemUnderTest sys;
  start_ward_1(sys, "BPSIM0001");
  run_page(sys, "a11y_page.cjs", {"dr-page", kTestPassword, kTestPassword, KOTONA_SHOT_DIR},
           {"BPSIM0001", {"measure", "186/116/82", "measure", "85/55/60"}, {}});

  const auto& db = sys.store_location();
  CHECK(rows(db,
             "SELECT claimed_by, state, acked_by, ack_note FROM alerts WHERE rule_id = "
             "'bp.crisis'",
             4) == std::vector<std::vector<std::string>>{{"dr-page", "acknowledged", "dr-page",
                                                          "soitettu, toistetaan tunnin päästä"}});
  CHECK(rows(db,
             "SELECT actor, action FROM audit_log WHERE action IN ('claim', 'ack') ORDER BY seq",
             2) == std::vector<std::vector<std::string>>{{"dr-page", "claim"}, {"dr-page", "ack"}});
}

TEST_CASE(
    "page thresholds (issue 18 part 5): sources shown, a bad value refused naming it, a change "
    "by a clinician in force for the next reading, audited, in the history, a viewer reads") {
  SystemUnderTest sys;
  sys.extra_server_config =
      "team = ward-1 patient-1\n" + test_user_config("dr-page", "clinician", "ward-1") +
      test_user_config("vera", "viewer", "ward-1") + "rule = patient-1 spo2_low_percent=88\n";
  sys.start_broker();
  sys.start_server({"BPSIM0001"});
  register_aino(sys);
  // The second reading comes 30 s after the first: the page changes the threshold meanwhile.
  run_page(sys, "thresholds_page.cjs", {"dr-page", kTestPassword, "vera", KOTONA_SHOT_DIR},
           {"BPSIM0001", {"measure", "186/116/82", "wait", "30000", "measure", "120/80/70"}, {}});

  const auto& db = sys.store_location();
  CHECK(rows(db,
             "SELECT patient_id, setting, before_text, after_text, actor FROM "
             "rule_threshold_changes",
             5) == std::vector<std::vector<std::string>>{
                       {"patient-1", "bp_hypotension_systolic_mmhg", "", "125", "dr-page"}});
  CHECK(
      rows(db, "SELECT actor, detail FROM audit_log WHERE action = 'thresholds.update'", 2) ==
      std::vector<std::vector<std::string>>{{"dr-page", "bp_hypotension_systolic_mmhg: - -> 125"}});
  CHECK(rows(db, "SELECT priority FROM alerts WHERE rule_id = 'bp.hypotension'", 1) ==
        std::vector<std::vector<std::string>>{{"high"}});
  check_audit_chain(sys);
}

TEST_CASE(
    "page takeover (issue 18 part 3): an admin takes over a colleague's claim by its button, "
    "the colleague's page shows it live, audited as a takeover from the holder") {
  SystemUnderTest sys;
  start_ward_1(sys, "BPSIM0001");
  register_aino(sys);
  run_page(sys, "takeover_page.cjs", {"dr-page", kTestPassword, kTestPassword, KOTONA_SHOT_DIR},
           {"BPSIM0001", {"measure", "186/116/82"}, {}});

  const auto& db = sys.store_location();
  CHECK(kotona::server::store::Database::open(db).value()->backend() ==
        (testing_postgres() ? "postgresql" : "sqlite"));
  CHECK(rows(db, "SELECT claimed_by, state FROM alerts WHERE rule_id = 'bp.crisis'", 2) ==
        std::vector<std::vector<std::string>>{{"admin", "open"}});
  CHECK(rows(db,
             "SELECT actor, action, detail FROM audit_log WHERE action IN ('claim', 'takeover') "
             "ORDER BY seq",
             3) == std::vector<std::vector<std::string>>{{"dr-page", "claim", ""},
                                                         {"admin", "takeover", "from dr-page"}});
  check_audit_chain(sys);
}

TEST_CASE(
    "page yield (issue 18 part 8): resolving asks clinically actionable, required, by keyboard "
    "too, the yield view shows what was done: 3 raised, 1 of 2 answered actionable -> 50 %, "
    "median time to acknowledge, 1 not acknowledged") {
  SystemUnderTest sys;
  start_ward_1(sys, "BPSIM0001");
  register_aino(sys);
  // A crisis and a low BP at once; the second crisis 40 s later, after both are resolved (a
  // crisis still open would take it in as a grouped reading, not a new alert).
  run_page(
      sys, "yield_page.cjs", {"dr-page", kTestPassword, KOTONA_SHOT_DIR},
      {"BPSIM0001",
       {"measure", "186/116/82", "measure", "85/55/60", "wait", "40000", "measure", "190/120/80"},
       {}});

  const auto& db = sys.store_location();
  CHECK(rows(db,
             "SELECT rule_id, state, actionable, acked_by FROM alerts ORDER BY created_unix_ms, "
             "rule_id",
             4) ==
        std::vector<std::vector<std::string>>{{"bp.crisis", "resolved", "yes", "dr-page"},
                                              {"bp.hypotension", "resolved", "no", "dr-page"},
                                              {"bp.crisis", "open", "", ""}});
  CHECK(rows(db, "SELECT detail FROM audit_log WHERE action = 'resolve' ORDER BY seq", 1) ==
        std::vector<std::vector<std::string>>{{"lääkitystä muutettu [actionable: yes]"},
                                              {"mittausvirhe [actionable: no]"}});
  check_audit_chain(sys);
}

TEST_CASE(
    "page self-reported readings (issue 20 part 5): values typed in on the hub marked on the "
    "alert and beside their points, the meter's unmarked, a value typed in on a hub of two "
    "patients held with its own sentence, in Finnish, Swedish and English") {
  SystemUnderTest sys;
  // gw-test-0002 serves patient-1 and patient-2 (another ward's): its typed values name no one.
  sys.extra_server_config =
      "team = ward-1 patient-1\n" + test_user_config("dr-page", "clinician", "ward-1") +
      "enrol = " + sys.gateway_id() + " INR0001 patient-1\nenrol = " + sys.gateway_id() +
      " manual patient-1\nenrol = gw-test-0002 BPHOME2 patient-1\n"
      "enrol = gw-test-0002 GLUHOME2 patient-2\n";
  sys.start_broker();
  sys.start_server({"BPSIM0001"});
  register_aino(sys);
  auto typed = [](kotona::Reading r, kotona::Enterer who, std::string name) {
    r.device.driver = "manual";
    r.provenance = kotona::Provenance{kotona::EntrySource::kManual, who, std::move(name)};
    return r;
  };
  store_as(
      sys, kotona::GatewayId{"gw-test-0002"},
      [&](const kotona::GatewayId& gw, kotona::HubTime now) {
        return Readings{
            typed(kotona::test::bp(gw, "manual", "mq1", 158, 97, now - std::chrono::minutes(20)),
                  kotona::Enterer::kPatient, "")};
      },
      kotona::server::store::Disposition::kQuarantined);
  store_as_hub(sys, [&](const kotona::GatewayId& gw, kotona::HubTime now) {
    using kotona::test::reading_of;
    return Readings{
        reading_of(gw, "INR0001", "1", kotona::Inr{2.6, std::nullopt, std::nullopt},
                   now - std::chrono::hours(48)),
        typed(reading_of(gw, "manual", "mf1", kotona::Inr{2.9, std::nullopt, std::nullopt},
                         now - std::chrono::hours(24)),
              kotona::Enterer::kRelative, "Anna Virtanen"),
        typed(kotona::test::bp(gw, "manual", "mf2", 186, 116, now - std::chrono::minutes(30)),
              kotona::Enterer::kPatient, "")};
  });
  run_page(sys, "manual_page.cjs", {"dr-page", kTestPassword, KOTONA_SHOT_DIR},
           {"BPSIM0001", {"measure", "128/82/70"}, {}});
}
