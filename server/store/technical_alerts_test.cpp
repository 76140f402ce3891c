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

test::StoreFixture enrolled() {
  return test::StoreFixture(
      {{kGw, DeviceSerial{"BP1"}, PatientId{"patient-1"}, HubTime{}, std::nullopt}}, kNow);
}

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
