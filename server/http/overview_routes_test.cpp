// The patient overview's route (issue 18 part 4): GET /api/v1/patients/{id}/overview names the
// targets the patient's rules use and, per enrolled device, its last transmission and its hub's
// state from the last heartbeat. Authorisation per role and team: authz_matrix_test.cpp.
#include <doctest/doctest.h>

#include "server/http/api_json.h"
#include "server/http/test_served.h"

using namespace kotona;
using namespace kotona::server;
using namespace kotona::server::http::test_served;

namespace {

boost::json::object object(const bhttp::response<bhttp::string_body>& res) {
  return boost::json::parse(res.body()).as_object();
}

// The device `serial` of an overview.
boost::json::object device(const boost::json::object& overview, const std::string& serial) {
  for (const auto& d : overview.at("devices").as_array()) {
    if (d.at("device_serial").as_string() == serial) return d.as_object();
  }
  FAIL("no device " << serial);
  return {};
}

}  // namespace

TEST_CASE(
    "GET /api/v1/patients/{id}/overview: the patient's own targets, each device's last "
    "transmission, its hub online or silent, backlog and pairing state") {
  http::HttpOptions options;
  options.gateway_silent_after = 60s;
  Served s({}, options);
  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  const GatewayId silent_hub{"gw-2"};
  on_io(s.io, [&] {
    alerts::RuleConfig own;
    own.inr_target_low = 2.5;
    own.inr_target_high = 3.5;
    s.store->alert_book().set_rule_configs({{"patient-1", own}});
    REQUIRE(s.store->patients().add_enrolment(
        {silent_hub, DeviceSerial{"INR1"}, PatientId{"patient-1"}, HubTime{}, std::nullopt}));
    REQUIRE(s.store->ledger().store_batch(kGw, {kGw, 1, {bp(1, 120)}, {}}, now - 5min));
    const std::string heartbeat =
        R"({"outbox_depth":7,"oldest_unacked_unix_ms":1790000000000,"devices":[)"
        R"({"serial":"BP1","state":"connected","last_seen_unix_ms":1790000001000},)"
        R"({"serial":"BPA","state":"needs_pairing","last_seen_unix_ms":0}]})";
    REQUIRE(s.store->technical().upsert_gateway_status({kGw, now - 10s, 7, heartbeat}));
    REQUIRE(s.store->technical().upsert_gateway_status({silent_hub, now - 5min, 0, "not json"}));
    return 0;
  });

  auto res = s.request(bhttp::verb::get, "/api/v1/patients/patient-1/overview", s.clinician_token);
  REQUIRE(res.result() == bhttp::status::ok);
  auto overview = object(res);
  CHECK(overview.at("patient_id").as_string() == "patient-1");
  const auto& targets = overview.at("targets").as_object();
  CHECK(targets.at("inr_low").to_number<double>() == 2.5);  // the patient's rule line, not 2.0-3.0
  CHECK(targets.at("inr_high").to_number<double>() == 3.5);
  CHECK(targets.at("bp_systolic_high").to_number<double>() == 180);
  CHECK(targets.at("glucose_low").to_number<double>() == 3.9);
  CHECK(targets.at("glucose_high").to_number<double>() == 10.0);
  CHECK(overview.at("hub_silent_after_s").as_int64() == 60);
  REQUIRE(overview.at("devices").as_array().size() == 2);
  CHECK(res.body().find("BPA") == std::string::npos);  // the hub's other patient's device

  auto bp1 = device(overview, "BP1");
  CHECK(bp1.at("gateway_id").as_string() == "gw-1");
  CHECK(bp1.at("last_received").as_string() == http::iso8601(now - 5min));
  CHECK(bp1.at("hub_online").as_bool());
  CHECK(bp1.at("hub_last_heard").as_string() == http::iso8601(now - 10s));
  CHECK(bp1.at("hub_outbox_depth").as_int64() == 7);
  CHECK(bp1.at("hub_oldest_unacked").as_string() == "2026-09-21T14:13:20.000Z");
  CHECK(bp1.at("state").as_string() == "connected");
  CHECK(bp1.at("device_last_seen").as_string() == "2026-09-21T14:13:21.000Z");
  CHECK(bp1.at("enrolled_to").is_null());

  // A hub silent past the limit, whose heartbeat cannot be read: offline, nothing made up.
  auto inr = device(overview, "INR1");
  CHECK_FALSE(inr.at("hub_online").as_bool());
  CHECK(inr.at("last_received").is_null());
  CHECK(inr.at("state").is_null());
  CHECK(inr.at("hub_oldest_unacked").is_null());
  CHECK(inr.at("hub_outbox_depth").as_int64() == 0);

  auto a =
      object(s.request(bhttp::verb::get, "/api/v1/patients/patient-a/overview", s.clinician_token));
  CHECK(device(a, "BPA").at("state").as_string() == "needs_pairing");
  CHECK(a.at("targets").at("inr_low").to_number<double>() == 2.0);  // the defaults
  // A patient neither registered nor enrolled: 404 even for the admin.
  CHECK(s.request(bhttp::verb::get, "/api/v1/patients/patient-zz/overview").result() ==
        bhttp::status::not_found);
}
