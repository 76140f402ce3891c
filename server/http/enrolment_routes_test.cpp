// Patient register and enrolment endpoints (enrolment_routes.cpp), in-process (test_served.h):
// shapes, bad input (400 + counter, never stored), conflicts, and a device move over the API
// attributing readings by measured time. Authorisation cells: authz_matrix_test.cpp.
#include <doctest/doctest.h>

#include "core/henkilotunnus.h"
#include "server/http/test_served.h"

using namespace kotona;
using namespace kotona::server;
using namespace kotona::server::http::test_served;

namespace {

struct Reply {
  int status;
  boost::json::value body;
};

Reply call(Served& s, bhttp::verb verb, const std::string& target, const std::string& body = "") {
  auto res = s.request(verb, target, std::nullopt, body);
  boost::system::error_code ec;
  auto parsed = boost::json::parse(res.body(), ec);
  return {static_cast<int>(res.result_int()), ec ? boost::json::value() : parsed};
}

std::uint64_t counter(Served& s, const std::string& name) {
  return on_io(s.io, [&] {
    auto all = s.counters.snapshot();
    return all.count(name) ? all.at(name) : 0;
  });
}

}  // namespace

TEST_CASE(
    "patients API (issue 18 part 2): a clinician sees the henkilotunnus masked and the age, "
    "only an admin the full code") {
  Served s;
  REQUIRE(call(s, bhttp::verb::post, "/api/v1/patients",
               R"({"patient_id":"patient-a","henkilotunnus":"131052-308T",)"
               R"("display_name":"Aino Virtanen","team":"ward-a"})")
              .status == 201);
  auto as_clinician = s.request(bhttp::verb::get, "/api/v1/patients", s.clinician_token);
  REQUIRE(as_clinician.result_int() == 200);
  CHECK(as_clinician.body().find("308T") == std::string::npos);
  auto rows = boost::json::parse(as_clinician.body()).as_array();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].at("henkilotunnus_masked").as_string() == "131052-****");
  CHECK_FALSE(rows[0].as_object().contains("henkilotunnus"));
  CHECK(rows[0].at("display_name").as_string() == "Aino Virtanen");
  // Born 1952-10-13: the age from the code's birth date on today's date.
  const std::chrono::year_month_day today{
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
  CHECK(rows[0].at("age_years").as_int64() ==
        age_on(parse_henkilotunnus("131052-308T").value(), today));
  CHECK(rows[0].at("age_years").as_int64() >= 74);
  auto one = s.request(bhttp::verb::get, "/api/v1/patients/patient-a", s.clinician_token);
  CHECK(one.body().find("308T") == std::string::npos);
  CHECK(one.body().find("131052-****") != std::string::npos);
  auto as_admin = call(s, bhttp::verb::get, "/api/v1/patients/patient-a");
  CHECK(as_admin.body.at("henkilotunnus").as_string() == "131052-308T");
}

TEST_CASE("patients API: create, read, patch, list -> register row with team and enrolments") {
  Served s;
  auto made = call(s, bhttp::verb::post, "/api/v1/patients",
                   R"({"patient_id":"patient-a","henkilotunnus":"131052-308T",)"
                   R"("display_name":"Aino Virtanen","team":"ward-a","language":"sv"})");
  REQUIRE(made.status == 201);
  CHECK(made.body.at("language").as_string() == "sv");
  CHECK(made.body.at("henkilotunnus").as_string() == "131052-308T");
  CHECK(made.body.at("team").as_string() == "ward-a");
  auto one = call(s, bhttp::verb::get, "/api/v1/patients/patient-a");
  REQUIRE(one.status == 200);
  CHECK(one.body.at("display_name").as_string() == "Aino Virtanen");
  auto bindings = one.body.at("enrolments").as_array();
  REQUIRE(bindings.size() == 1);  // BPA, from the config seed
  CHECK(bindings[0].at("device_serial").as_string() == "BPA");
  CHECK(bindings[0].at("source").as_string() == "config");
  CHECK(bindings[0].at("valid_to").is_null());
  auto patched = call(s, bhttp::verb::patch, "/api/v1/patients/patient-a",
                      R"({"display_name":null,"henkilotunnus":"010594Y9032"})");
  REQUIRE(patched.status == 200);
  CHECK(patched.body.at("display_name").is_null());
  CHECK(patched.body.at("henkilotunnus").as_string() == "010594Y9032");
  CHECK(patched.body.at("team").as_string() == "ward-a");  // absent field: unchanged
  CHECK(patched.body.at("language").as_string() == "sv");
  CHECK(call(s, bhttp::verb::patch, "/api/v1/patients/patient-a", R"({"language":null})")
            .body.at("language")
            .is_null());
  CHECK(call(s, bhttp::verb::get, "/api/v1/patients").body.as_array().size() == 1);
  CHECK(call(s, bhttp::verb::get, "/api/v1/patients/nobody").status == 404);
  CHECK(call(s, bhttp::verb::patch, "/api/v1/patients/nobody", "{}").status == 404);
  CHECK(call(s, bhttp::verb::post, "/api/v1/patients", R"({"patient_id":"patient-a"})").status ==
        409);
  // Audited, by the authenticated admin, without the henkilötunnus.
  auto audit = call(s, bhttp::verb::get, "/api/v1/audit").body.as_array();
  REQUIRE(audit.size() == 3);
  CHECK(audit[0].at("action").as_string() == "patient.update");
  CHECK(audit[0].at("detail").as_string() == "updated language cleared");
  CHECK(audit[0].at("actor").as_string() == "admin");
  CHECK(boost::json::serialize(audit).find("010594") == std::string::npos);
}

TEST_CASE(
    "patients API: bad JSON, fields, henkilotunnus, team -> 400 + api_bad_input, nothing "
    "stored") {
  Served s;
  const std::pair<const char*, const char*> cases[] = {
      {"not json", "JSON object"},
      {"[]", "JSON object"},
      {R"({"patient_id":"p/1"})", "patient_id"},
      {R"({"patient_id":7})", "patient_id"},
      {R"({"patient_id":"p1","hetu":"131052-308T"})", "unknown field 'hetu'"},
      {R"({"patient_id":"p1","henkilotunnus":"131052-308U"})", "check character"},
      {R"({"patient_id":"p1","henkilotunnus":"311352-308T"})", "calendar date"},
      {R"({"patient_id":"p1","henkilotunnus":"131052Q308T"})", "century sign"},
      {R"({"patient_id":"p1","henkilotunnus":12})", "henkilotunnus must be a string"},
      {R"({"patient_id":"p1","team":"ward-z"})", "care team"},
      {R"({"patient_id":"p1","display_name":"a\u0001b"})", "display_name"},
      {R"({"patient_id":"p1","language":"en"})", "language must be"},
      {R"({"patient_id":"p1","language":1})", "language must be"},
  };
  for (const auto& [body, why] : cases) {
    CAPTURE(body);
    auto r = call(s, bhttp::verb::post, "/api/v1/patients", body);
    CHECK(r.status == 400);
    REQUIRE(r.body.is_object());
    std::string error(r.body.at("error").as_string());
    CHECK_MESSAGE(error.find(why) != std::string::npos, error);
    CHECK(error.find("131052") == std::string::npos);  // the code is never echoed
  }
  CHECK(counter(s, "api_bad_input") == std::size(cases));
  CHECK(call(s, bhttp::verb::get, "/api/v1/patients").body.as_array().empty());
  CHECK(on_io(s.io, [&] { return s.store->count_rows("patients").value(); }) == 0);
  // A register team that contradicts the config's `team` lines.
  auto clash = call(s, bhttp::verb::post, "/api/v1/patients",
                    R"({"patient_id":"patient-b","team":"ward-a"})");
  CHECK(clash.status == 409);
}

TEST_CASE("enrolments API: device moved A -> B at T -> readings measured before T stay A's") {
  Served s;
  REQUIRE(call(s, bhttp::verb::post, "/api/v1/patients", R"({"patient_id":"patient-a"})").status ==
          201);
  REQUIRE(call(s, bhttp::verb::post, "/api/v1/patients", R"({"patient_id":"patient-c"})").status ==
          201);
  // bp(record) is measured at 1'790'000'000'000 ms + record (2026-09-21T14:13:20.00Xz).
  auto moved = call(s, bhttp::verb::post, "/api/v1/enrolments",
                    R"({"gateway_id":"gw-1","device_serial":"BPA","patient_id":"patient-c",)"
                    R"("valid_from":"2026-09-21T14:13:20.005Z"})");
  REQUIRE_MESSAGE(moved.status == 201, boost::json::serialize(moved.body));
  CHECK(moved.body.at("enrolment").at("patient_id").as_string() == "patient-c");
  CHECK(moved.body.at("enrolment").at("source").as_string() == "api");
  CHECK(moved.body.at("closed").at("patient_id").as_string() == "patient-a");
  CHECK(moved.body.at("closed").at("valid_to").as_string() == "2026-09-21T14:13:20.005Z");
  s.add_alerts({4, 5, 6}, "BPA");
  auto patient_of = [&](int record) {
    auto rows = call(s, bhttp::verb::get, "/api/v1/readings").body.as_array();
    for (const auto& r : rows) {
      if (r.at("reading_uid").as_string() == bp(record, 190, "BPA").uid.value) {
        return std::string(r.at("patient_id").as_string());
      }
    }
    return std::string("none");
  };
  CHECK(patient_of(4) == "patient-a");
  CHECK(patient_of(5) == "patient-c");
  CHECK(patient_of(6) == "patient-c");
  // Moving back to before a stored reading would contradict it; ending works once.
  auto back = call(s, bhttp::verb::post, "/api/v1/enrolments",
                   R"({"gateway_id":"gw-1","device_serial":"BPA","patient_id":"patient-a",)"
                   R"("valid_from":"2026-09-21T14:13:20.006Z"})");
  CHECK(back.status == 409);
  std::string id = std::to_string(moved.body.at("enrolment").at("id").as_int64());
  CHECK(call(s, bhttp::verb::post, "/api/v1/enrolments/" + id + "/end", "").status == 200);
  CHECK(call(s, bhttp::verb::post, "/api/v1/enrolments/" + id + "/end", "").status == 409);
  CHECK(call(s, bhttp::verb::get, "/api/v1/enrolments/" + id).body.at("valid_to").is_string());
  auto history = call(s, bhttp::verb::get, "/api/v1/enrolments?gateway=gw-1&device=BPA");
  CHECK(history.body.as_array().size() == 2);
}

TEST_CASE("enrolments API: bad bodies and ids -> 400/404/405, counted, nothing stored") {
  Served s;
  REQUIRE(call(s, bhttp::verb::post, "/api/v1/patients", R"({"patient_id":"patient-c"})").status ==
          201);
  const char* bad[] = {
      "{",
      R"({"gateway_id":"gw-1","device_serial":"BPA"})",
      R"({"gateway_id":"gw 1","device_serial":"BPA","patient_id":"patient-c"})",
      R"({"gateway_id":"gw-1","device_serial":"BPA","patient_id":"patient-c","valid_from":5})",
      R"({"gateway_id":"gw-1","device_serial":"BPA","patient_id":"patient-c","valid_from":"soon"})",
      R"({"gateway_id":"gw-1","device_serial":"BPA","patient_id":"patient-c","extra":1})",
  };
  auto before = on_io(s.io, [&] { return s.store->count_rows("enrolment").value(); });
  for (const char* body : bad) {
    CAPTURE(body);
    CHECK(call(s, bhttp::verb::post, "/api/v1/enrolments", body).status == 400);
  }
  CHECK(counter(s, "api_bad_input") == std::size(bad));
  CHECK(call(s, bhttp::verb::post, "/api/v1/enrolments",
             R"({"gateway_id":"gw-1","device_serial":"BPA","patient_id":"nobody"})")
            .status == 404);
  CHECK(call(s, bhttp::verb::post, "/api/v1/enrolments/999/end", "").status == 404);
  CHECK(call(s, bhttp::verb::post, "/api/v1/enrolments/abc/end", "").status == 404);
  CHECK(call(s, bhttp::verb::post, "/api/v1/enrolments/1/end", R"({"valid_to":"x"})").status ==
        400);
  CHECK(call(s, bhttp::verb::get, "/api/v1/enrolments/1/end").status == 405);
  CHECK(call(s, bhttp::verb::get, "/api/v1/enrolments?limit=0").status == 400);
  CHECK(call(s, bhttp::verb::get, "/api/v1/enrolments?colour=red").status == 400);
  CHECK(on_io(s.io, [&] { return s.store->count_rows("enrolment").value(); }) == before);
}

TEST_CASE(
    "henkilotunnus reveal (issue 18 part 2): a clinician of the team gets the full code after "
    "one audit row naming user and patient, never the code, other team as nonexistent") {
  Served s;
  REQUIRE(call(s, bhttp::verb::post, "/api/v1/patients",
               R"({"patient_id":"patient-a","henkilotunnus":"131052-308T","team":"ward-a"})")
              .status == 201);
  const std::string target = "/api/v1/patients/patient-a/henkilotunnus";
  auto audit_rows = [&] {
    auto res = call(s, bhttp::verb::get, "/api/v1/audit?alert=patient/patient-a");
    REQUIRE(res.status == 200);
    return res.body.as_array();
  };
  const auto before = audit_rows().size();  // patient.create
  auto shown = s.request(bhttp::verb::post, target, s.clinician_token);
  REQUIRE(shown.result_int() == 200);
  CHECK(boost::json::parse(shown.body()).at("henkilotunnus").as_string() == "131052-308T");
  auto rows = audit_rows();
  REQUIRE(rows.size() == before + 1);
  CHECK(rows[0].at("action").as_string() == "henkilotunnus.show");
  CHECK(rows[0].at("actor").as_string() == "dr-lee");
  CHECK(rows[0].at("alert_id").as_string() == "patient/patient-a");
  CHECK(boost::json::serialize(rows[0]).find("308T") == std::string::npos);
  CHECK(call(s, bhttp::verb::get, "/api/v1/audit/verify").body.at("ok").as_bool());
  // A viewer may not; another team's clinician gets the nonexistent patient's answer; neither
  // writes a row.
  CHECK(s.request(bhttp::verb::post, target, s.login("victor")).result_int() == 403);
  auto bob = s.login("bob");
  auto outside = s.request(bhttp::verb::post, target, bob);
  auto nowhere = s.request(bhttp::verb::post, "/api/v1/patients/nobody/henkilotunnus", bob);
  CHECK(outside.result_int() == 404);
  CHECK(outside.body() == nowhere.body());
  CHECK(outside.body().find("308T") == std::string::npos);
  CHECK(audit_rows().size() == before + 1);
  // A GET stays masked: only the audited action shows the code.
  auto read = s.request(bhttp::verb::get, "/api/v1/patients/patient-a", s.clinician_token);
  CHECK(read.body().find("308T") == std::string::npos);
}

TEST_CASE(
    "patients API: a Swedish-speaking patient's FHIR export -> Observations in Swedish "
    "(language, narrative), Finnish once the language is cleared") {
  Served s;
  REQUIRE(call(s, bhttp::verb::post, "/api/v1/patients",
               R"({"patient_id":"patient-a","language":"sv"})")
              .status == 201);
  s.add_alerts({1}, "BPA");  // one blood pressure reading of patient-a
  auto observation = [&] {
    auto r = s.request(bhttp::verb::get, "/api/v1/fhir/Patient/patient-a/$everything");
    REQUIRE(r.result_int() == 200);
    const boost::json::value bundle = boost::json::parse(r.body());
    for (const auto& e : bundle.at("entry").as_array()) {
      const auto& res = e.at("resource").as_object();
      if (res.at("resourceType").as_string() == "Observation") return res;
    }
    FAIL("no Observation in the export");
    return boost::json::object{};
  };
  auto sv = observation();
  CHECK(sv.at("language").as_string() == "sv");
  CHECK(sv.at("text").at("div").as_string().find("Blodtryck") != std::string::npos);
  REQUIRE(
      call(s, bhttp::verb::patch, "/api/v1/patients/patient-a", R"({"language":null})").status ==
      200);
  CHECK(observation().at("language").as_string() == "fi");
}
