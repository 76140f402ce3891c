#include "server/alerts/quarantine_alerts.h"

#include <doctest/doctest.h>

using namespace kotona;
using namespace kotona::server::alerts;

namespace {
QuarantineEvent event(const std::string& reason) {
  return {reason, GatewayId{"gw-1"}, "BP9", "gw-1/BP9/1/bp", {"bp {\"systolic_mmhg\":185}"}, 2};
}
}  // namespace

TEST_CASE("quarantine alert: not_enrolled -> one high draft per patient of the hub, values named") {
  auto drafts = evaluate_quarantine(event("not_enrolled"), {PatientId{"p1"}, PatientId{"p2"}});
  REQUIRE(drafts.size() == 2);
  CHECK(drafts[0].rule_id == kQuarantineNotEnrolledRule);
  CHECK(drafts[0].priority == Priority::kHigh);
  CHECK(drafts[0].patient == PatientId{"p1"});
  CHECK(drafts[1].patient == PatientId{"p2"});
  CHECK(drafts[0].subject == "gw-1/BP9");
  CHECK(drafts[0].message.find("BP9") != std::string::npos);
  CHECK(drafts[0].message.find("gw-1") != std::string::npos);
  CHECK(drafts[0].message.find("185") != std::string::npos);
  CHECK(drafts[0].alert_id() != drafts[1].alert_id());
}

TEST_CASE("quarantine alert: not_enrolled on a hub with no patient -> one system draft") {
  auto drafts = evaluate_quarantine(event("not_enrolled"), {});
  REQUIRE(drafts.size() == 1);
  CHECK(drafts[0].patient.value.empty());
}

TEST_CASE("quarantine alert: identity mismatch / decode failure -> admins (system draft)") {
  auto id = evaluate_quarantine(event("identity_mismatch"), {PatientId{"p1"}});
  REQUIRE(id.size() == 1);
  CHECK(id[0].rule_id == kQuarantineIdentityRule);
  CHECK(id[0].patient.value.empty());
  CHECK(id[0].priority == Priority::kHigh);
  for (const char* reason : {"invalid", "bad_payload", "bad_status", "bad_topic"}) {
    auto d = evaluate_quarantine(event(reason), {PatientId{"p1"}});
    REQUIRE(d.size() == 1);
    CHECK(d[0].rule_id == kQuarantineUndecodableRule);
    CHECK(d[0].patient.value.empty());
  }
}

TEST_CASE("quarantine alert: same episode -> same alert id, new episode -> new id, same subject") {
  auto a = evaluate_quarantine(event("not_enrolled"), {PatientId{"p1"}});
  auto b = evaluate_quarantine(event("not_enrolled"), {PatientId{"p1"}});
  CHECK(a[0].alert_id() == b[0].alert_id());
  auto later = event("not_enrolled");
  later.episode = "gw-1/BP9/3/bp";
  auto c = evaluate_quarantine(later, {PatientId{"p1"}});
  CHECK(c[0].alert_id() != a[0].alert_id());
  CHECK(c[0].subject == a[0].subject);
}

TEST_CASE("quarantine alert: many values -> three shown and a count of the rest") {
  auto e = event("not_enrolled");
  e.values = {"v1", "v2", "v3", "v4", "v5"};
  auto d = evaluate_quarantine(e, {});
  CHECK(d[0].message.find("v3 and 2 more") != std::string::npos);
  CHECK(d[0].message.find("v4") == std::string::npos);
}

TEST_CASE(
    "quarantine alert: a typed-in value (device manual) -> says whose is unknown, form typed") {
  auto e = event("not_enrolled");
  e.device = "manual";
  auto drafts = evaluate_quarantine(e, {PatientId{"p1"}, PatientId{"p2"}});
  REQUIRE(drafts.size() == 2);
  CHECK(drafts[0].subject == "gw-1/manual");
  CHECK(drafts[0].priority == Priority::kHigh);
  CHECK(drafts[0].message.find("new meter") == std::string::npos);
  CHECK(drafts[0].message.find("Ask at the home whose value it is") != std::string::npos);
  CHECK(drafts[0].message.find("185") != std::string::npos);
  CHECK(drafts[0].values.at(0) == AlertValue{"form", std::string("typed")});
}
