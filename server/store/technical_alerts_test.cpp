// TechnicalAlerts: callers report facts, the stage decides the alert (issue 16), on both
// backends. One alert per episode whoever reports the fact again; the broker's drop counter
// and its alert commit together.
#include <doctest/doctest.h>

#include "server/store/store.h"
#include "tests/support/store_fixture.h"

using namespace kotona;
using namespace kotona::server::store;
using namespace std::chrono_literals;

namespace {

const GatewayId kGw{"gw-1"};
const HubTime kNow{std::chrono::milliseconds{1'790'000'000'000}};

test::StoreFixture enrolled() { return test::StoreFixture(test::enrolments(kGw, {"BP1"}), kNow); }

}  // namespace

TEST_CASE("technical_alerts: broker drop counter rises -> one high alert per rise, value kept") {
  test::StoreFixture f;
  auto& tech = f.store->technical_alerts();
  auto first = tech.broker_dropped(0, kNow).value();  // first report: nothing new dropped
  CHECK_FALSE(first.alerted);
  auto rise = tech.broker_dropped(7, kNow + 1s).value();
  REQUIRE(rise.alerted);
  REQUIRE(rise.raised.size() == 1);
  CHECK(rise.raised[0].rule_id == "broker.dropped_messages");
  CHECK(rise.raised[0].priority == server::alerts::Priority::kHigh);
  CHECK(rise.raised[0].patient.value.empty());
  CHECK_FALSE(tech.broker_dropped(7, kNow + 2s).value().alerted);  // the same value: kept
  CHECK(f.store->technical().seen_counter("broker.publish.messages.dropped").value() ==
        std::optional<std::uint64_t>{7});
  auto restart = tech.broker_dropped(2, kNow + 3s).value();  // broker restarted: all new
  CHECK(restart.alerted);
  CHECK(f.rows("alerts") == 1);  // grouped into the open broker alert
}

TEST_CASE("technical_alerts: store outage ended -> one store.unwritable per outage") {
  test::StoreFixture f;
  auto& tech = f.store->technical_alerts();
  const StoreOutage outage{kNow - 90s, kNow, 12, "disk I/O error"};
  auto raised = tech.store_was_unwritable(outage, kNow).value();
  REQUIRE(raised.size() == 1);
  CHECK(raised[0].rule_id == "store.unwritable");
  CHECK(raised[0].priority == server::alerts::Priority::kHigh);
  CHECK(raised[0].message.find("refused writes for 90 s (12 failed writes, first: disk I/O") !=
        std::string::npos);
  CHECK(tech.store_was_unwritable(outage, kNow + 1s).value().empty());  // the same outage
  CHECK(f.rows("alerts") == 1);
}

TEST_CASE("technical_alerts: login attack -> one medium system alert per episode") {
  test::StoreFixture f;
  auto& tech = f.store->technical_alerts();
  auto raised = tech.login_attack(100, kNow).value();
  REQUIRE(raised.size() == 1);
  CHECK(raised[0].rule_id == "security.login_attack");
  CHECK(raised[0].priority == server::alerts::Priority::kMedium);
  CHECK(raised[0].patient.value.empty());
  CHECK(tech.login_attack(150, kNow).value().empty());
}

TEST_CASE(
    "technical_alerts: hub never heard while listening -> gateway.silent once, expected "
    "device silent -> device.silent") {
  auto f = enrolled();
  auto& tech = f.store->technical_alerts();
  DeliveryWatch watch;
  watch.expected.push_back({kGw, DeviceSerial{"BP1"}, std::chrono::seconds{3600}});
  watch.due.push_back({PatientId{"patient-1"}, "bp", std::chrono::seconds{3600}});
  tech.set_watch(watch);
  CHECK(tech.check_chain(kNow - 60s, kNow).value().raised.empty());  // listening too briefly
  auto check = tech.check_chain(kNow - 3h, kNow).value();
  CHECK_FALSE(check.unreadable.has_value());
  CHECK(check.skipped == 0);
  std::vector<std::string> rules;
  for (const auto& a : check.raised) rules.push_back(a.rule_id);
  std::sort(rules.begin(), rules.end());
  CHECK(rules == std::vector<std::string>{"device.silent", "gateway.silent", "measurement.missed"});
  for (const auto& a : check.raised) CHECK(a.patient.value == "patient-1");
  CHECK(tech.check_chain(kNow - 3h, kNow + 1min).value().raised.empty());  // same episodes
}

TEST_CASE(
    "technical_alerts: a hub's update rolled back -> gateway.update_rolled_back once per rise, "
    "none again after a restart, a failed rollback high, a tally begun again is new") {
  auto f = enrolled();
  // A heartbeat as the ingest stores it, its counters carrying the updater's totals.
  auto heartbeat = [&](std::int64_t sent_ms, const std::string& counters) {
    REQUIRE(f.store->technical()
                .upsert_gateway_status({kGw, kNow, 0,
                                        R"({"sent_unix_ms":)" + std::to_string(sent_ms) +
                                            R"(,"counters":{)" + counters + "}}"})
                .has_value());
  };
  auto check = [&](HubTime at) {
    auto c = f.store->technical_alerts().check_chain(at, at);  // listening since now: no silence
    REQUIRE(c.has_value());
    std::vector<std::string> rules;
    for (const auto& a : c->raised) rules.push_back(a.rule_id + " " + a.patient.value);
    return rules;
  };
  heartbeat(1000, R"("update_rolled_back":1,"update_status_unreadable":1)");
  CHECK(check(kNow) == std::vector<std::string>{"gateway.update_rolled_back patient-1"});
  heartbeat(2000, R"("update_rolled_back":1)");  // the next heartbeats: the same total
  CHECK(check(kNow + 30s).empty());
  f.reopen();  // a server restart: the total acted on is kept with the alert
  CHECK(check(kNow + 60s).empty());
  CHECK(f.store->technical().seen_counter("update_rolled_back/gw-1").value() ==
        std::optional<std::uint64_t>{1});
  heartbeat(3000, R"("update_rolled_back":2,"update_rollback_failed":1)");
  CHECK(check(kNow + 90s) == std::vector<std::string>{"gateway.update_rolled_back patient-1",
                                                      "gateway.update_rollback_failed patient-1"});
  CHECK(check(kNow + 120s).empty());
  // The second rollback is a crossing of the hub's open alert; the failed one its own, high.
  CHECK(f.rows("alerts") == 2);
  const auto stored = f.store->alert_book().recent_alerts(10).value();
  for (const auto& a : stored) {
    const bool failed = a.rule_id == "gateway.update_rollback_failed";
    CHECK(a.priority ==
          (failed ? server::alerts::Priority::kHigh : server::alerts::Priority::kMedium));
    CHECK(a.crossings == (failed ? 1 : 2));
  }
  // A reinstalled hub (its status file purged) says nothing, then rolls back once: new.
  heartbeat(4000, "");
  CHECK(check(kNow + 150s).empty());
  heartbeat(5000, R"("update_rolled_back":1)");
  CHECK(check(kNow + 180s) == std::vector<std::string>{"gateway.update_rolled_back patient-1"});
}
