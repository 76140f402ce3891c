#include "server/alerts/update_alerts.h"

#include <doctest/doctest.h>

using namespace kotona;
using namespace kotona::server::alerts;

namespace {

GatewayView hub(std::vector<PatientId> patients) {
  GatewayView g;
  g.gateway = GatewayId{"gw-1"};
  g.status_sent_unix_ms = 1'790'000'000'000;
  g.patients = std::move(patients);
  return g;
}

}  // namespace

TEST_CASE(
    "update tally: update_rolled_back rose -> one medium gateway.update_rolled_back per patient, "
    "episode per rise") {
  const auto g = hub({PatientId{"p1"}, PatientId{"p2"}});
  auto out = evaluate_update_tally(g, {kRolledBackCounter, std::nullopt, 1});
  REQUIRE(out.size() == 2);
  CHECK(out[0].rule_id == "gateway.update_rolled_back");
  CHECK(out[0].priority == Priority::kMedium);
  CHECK(out[0].subject == "gw-1");
  CHECK(out[0].patient.value == "p1");
  CHECK(out[1].patient.value == "p2");
  CHECK(out[0].episode == "0-1@1790000000000");
  CHECK_MESSAGE(out[0].message.find("rolled back (1 time, 1 in all): the hub runs its previous "
                                    "release") != std::string::npos,
                out[0].message);
  CHECK(out[0].values == AlertValues{{"hub", std::string("gw-1")}, {"count", 1.0}, {"total", 1.0}});
  // The same total again (the next heartbeat, a restarted server): nothing.
  CHECK(evaluate_update_tally(g, {kRolledBackCounter, 1, 1}).empty());
  CHECK(evaluate_update_tally(g, {kRolledBackCounter, std::nullopt, 0}).empty());
  // Two more: one draft per patient naming the rise, a new episode.
  auto more = evaluate_update_tally(g, {kRolledBackCounter, 1, 3});
  REQUIRE(more.size() == 2);
  CHECK(more[0].episode == "1-3@1790000000000");
  CHECK(more[0].values.at(1) == AlertValue{"count", 2.0});
  CHECK(more[0].message.find("(2 times, 3 in all)") != std::string::npos);
  CHECK(more[0].alert_id() != out[0].alert_id());
}

TEST_CASE(
    "update tally: update_rollback_failed rose -> high gateway.update_rollback_failed, a tally "
    "that began again is all new, a hub without patients -> a system alert") {
  auto out = evaluate_update_tally(hub({PatientId{"p1"}}), {kRollbackFailedCounter, 0, 1});
  REQUIRE(out.size() == 1);
  CHECK(out[0].rule_id == "gateway.update_rollback_failed");
  CHECK(out[0].priority == Priority::kHigh);
  CHECK(out[0].message.find("may not be running a working release") != std::string::npos);
  // The hub's status file purged (reinstalled), then one failed rollback: 1 below 4 is new.
  auto again = evaluate_update_tally(hub({PatientId{"p1"}}), {kRollbackFailedCounter, 4, 1});
  REQUIRE(again.size() == 1);
  CHECK(again[0].episode == "0-1@1790000000000");
  CHECK(again[0].values.at(1) == AlertValue{"count", 1.0});
  auto system = evaluate_update_tally(hub({}), {kRolledBackCounter, std::nullopt, 2});
  REQUIRE(system.size() == 1);
  CHECK(system[0].patient.value.empty());
  CHECK(evaluate_update_tally(hub({}), {"update_status_unreadable", std::nullopt, 2}).empty());
}
