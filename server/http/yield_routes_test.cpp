// Alert yield over HTTP (issue 18 part 8): the figures per rule and patient over 30 and 90
// days (pure yield_json), the answer given when resolving (400 for any other), and the care
// team filter. Authorisation per role: authz_matrix_test.cpp.
#include "server/http/yield_routes.h"

#include <doctest/doctest.h>

#include "server/http/test_served.h"

using namespace kotona;
using namespace kotona::server;
using namespace kotona::server::http::test_served;

namespace {

const HubTime kNow{std::chrono::milliseconds{1'790'000'000'000}};

store::YieldFact fact(const std::string& rule, const std::string& patient, int days_ago,
                      std::optional<int> ack_s, const std::string& answer) {
  store::YieldFact f{
      rule, PatientId{patient}, kNow - std::chrono::hours(24 * days_ago), {}, answer};
  if (ack_s) f.acked = f.created + std::chrono::seconds(*ack_s);
  return f;
}

const boost::json::object& row(const boost::json::object& y, int days, const char* part,
                               const std::string& id) {
  for (const auto& w : y.at("windows").as_array()) {
    if (w.at("days").as_int64() != days) continue;
    for (const auto& r : w.at(part).as_array()) {
      const auto& o = r.as_object();
      if (o.at(std::string(part) == "rules" ? "rule_id" : "patient_id").as_string() == id) return o;
    }
  }
  FAIL("no row " << id);
  return y;
}

}  // namespace

TEST_CASE(
    "yield_json: raised, share actionable of those answered, median time to acknowledge, 30 and 90 "
    "days") {
  auto y = http::yield_json(
      {fact("bp.crisis", "p1", 1, 60, "yes"), fact("bp.crisis", "p1", 2, 120, "no"),
       fact("bp.crisis", "p2", 3, 600, "yes"), fact("bp.crisis", "p2", 4, std::nullopt, ""),
       fact("bp.crisis", "p2", 40, 30, "yes"), fact("spo2.low", "p1", 80, std::nullopt, "unsure")},
      kNow);
  const auto& crisis30 = row(y, 30, "rules", "bp.crisis");
  CHECK(crisis30.at("raised").as_int64() == 4);
  CHECK(crisis30.at("answered").as_int64() == 3);
  CHECK(crisis30.at("actionable").as_int64() == 2);
  CHECK(crisis30.at("share").as_double() == doctest::Approx(2.0 / 3));
  CHECK(crisis30.at("median_ack_s").as_double() == 120);  // of 60, 120, 600
  CHECK(crisis30.at("not_acked").as_int64() == 1);        // counted, not silently dropped
  const auto& crisis90 = row(y, 90, "rules", "bp.crisis");
  CHECK(crisis90.at("raised").as_int64() == 5);
  CHECK(crisis90.at("median_ack_s").as_double() == 90);  // of 30, 60, 120, 600
  CHECK(row(y, 90, "rules", "spo2.low").at("share").to_number<double>() == 0);
  CHECK(row(y, 90, "rules", "spo2.low").at("median_ack_s").is_null());
  CHECK(row(y, 90, "rules", "spo2.low").at("not_acked").as_int64() == 1);
  CHECK(row(y, 90, "patients", "p1").at("not_acked").as_int64() == 1);
  CHECK(row(y, 30, "patients", "p2").at("raised").as_int64() == 2);
  CHECK(row(y, 30, "patients", "p2").at("share").to_number<double>() == 1);
  for (const auto& w : y.at("windows").as_array()) {
    if (w.at("days").as_int64() != 30) continue;
    CHECK(w.at("rules").as_array().size() == 1);  // spo2.low is 80 days old
  }
}

TEST_CASE(
    "POST /api/v1/alerts/resolve actionable: stored and counted in GET /api/v1/yield, 400 "
    "otherwise, other teams see nothing") {
  Served s;
  auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  auto alert = on_io(s.io, [&] {
    auto out = s.store->ledger().store_batch(kGw, {kGw, 1, {bp(1, 190)}, {}}, now).value();
    return out.new_alerts.at(0).alert_id.value;
  });
  auto body = [&](const std::string& answer) {
    return R"({"alert_id":")" + alert + R"(","note":"ok","actionable":)" + answer + "}";
  };
  for (const char* bad : {R"("maybe")", "true", R"("YES")"}) {
    CHECK_MESSAGE(
        s.post("/api/v1/alerts/resolve", body(bad)).result() == bhttp::status::bad_request, bad);
  }
  REQUIRE(s.post("/api/v1/alerts/resolve", body(R"("yes")")).result() == bhttp::status::ok);
  auto mine =
      boost::json::parse(s.request(bhttp::verb::get, "/api/v1/yield", s.clinician_token).body())
          .as_object();
  const auto& r = row(mine, 30, "rules", "bp.crisis");
  CHECK(r.at("raised").as_int64() == 1);
  CHECK(r.at("share").to_number<double>() == 1);
  CHECK(row(mine, 90, "patients", "patient-1").at("actionable").as_int64() == 1);
  CHECK(r.at("not_acked").as_int64() == 1);  // resolved without an acknowledgement
  CHECK(r.at("median_ack_s").is_null());
  CHECK_FALSE(mine.at("truncated").as_bool());
  auto theirs =
      boost::json::parse(s.request(bhttp::verb::get, "/api/v1/yield", s.login("bob")).body());
  for (const auto& w : theirs.at("windows").as_array()) {
    CHECK(w.at("rules").as_array().empty());
    CHECK(w.at("patients").as_array().empty());
  }
}
