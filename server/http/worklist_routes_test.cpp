// The worklist's endpoints (issue 18 parts 1 and 3): GET/PUT /api/v1/me (the language kept per
// user on the server), claiming an alert (a colleague's stream shows it live), notes on
// alerts and patients; each audited. Authorisation per role and team: authz_matrix_test.cpp.
#include <doctest/doctest.h>

#include "server/http/test_served.h"

using namespace kotona;
using namespace kotona::server;
using namespace kotona::server::http::test_served;

namespace {

boost::json::object object(const bhttp::response<bhttp::string_body>& res) {
  return boost::json::parse(res.body()).as_object();
}

std::string text(const boost::json::value& v) { return std::string(v.as_string()); }

// The audit rows of `subject` (newest first), read as admin.
boost::json::array audit_of(Served& s, const std::string& subject) {
  auto res = s.request(bhttp::verb::get, "/api/v1/audit?alert=" + subject);
  REQUIRE(res.result() == bhttp::status::ok);
  return boost::json::parse(res.body()).as_array();
}

}  // namespace

TEST_CASE("GET/PUT /api/v1/me: language kept per user on the server, 400 names fi sv en, audited") {
  Served s;
  const std::string lee = s.clinician_token, alice = s.login("alice");
  auto me = object(s.request(bhttp::verb::get, "/api/v1/me", lee));
  CHECK(text(me.at("user")) == "dr-lee");
  CHECK(text(me.at("role")) == "clinician");
  CHECK(text(me.at("team")) == "ward-a");
  CHECK(me.at("language").is_null());
  auto put = s.request(bhttp::verb::put, "/api/v1/me", lee, R"({"language":"sv"})");
  REQUIRE(put.result() == bhttp::status::ok);
  CHECK(text(object(put).at("language")) == "sv");
  CHECK(text(object(s.request(bhttp::verb::get, "/api/v1/me", lee)).at("language")) == "sv");
  CHECK(object(s.request(bhttp::verb::get, "/api/v1/me", alice)).at("language").is_null());
  for (const char* bad : {R"({"language":"de"})", R"({"language":5})", R"({})",
                          R"({"language":"sv","sound":true})", R"("sv")", "not json"}) {
    auto res = s.request(bhttp::verb::put, "/api/v1/me", lee, bad);
    CHECK_MESSAGE(res.result() == bhttp::status::bad_request, bad);
  }
  CHECK(s.request(bhttp::verb::put, "/api/v1/me", lee, R"({"language":"de"})")
            .body()
            .find("language must be fi, sv or en") != std::string::npos);
  CHECK(text(object(s.request(bhttp::verb::get, "/api/v1/me", lee)).at("language")) == "sv");
  auto cleared = s.request(bhttp::verb::put, "/api/v1/me", lee, R"({"language":null})");
  REQUIRE(cleared.result() == bhttp::status::ok);
  CHECK(object(cleared).at("language").is_null());
  auto audit = audit_of(s, "user/dr-lee");
  REQUIRE(audit.size() == 2);
  CHECK(text(audit[1].at("actor")) == "dr-lee");
  CHECK(text(audit[1].at("action")) == "settings.update");
  CHECK(text(audit[1].at("detail")) == "language=sv");
  CHECK(s.counters.snapshot()["api_bad_input"] >= 6);
}

TEST_CASE(
    "GET/PUT /api/v1/me: a high alert's sound (on by default) and notification (off), per user") {
  Served s;
  const std::string lee = s.clinician_token, alice = s.login("alice");
  auto me = object(s.request(bhttp::verb::get, "/api/v1/me", lee));
  CHECK(me.at("alert_sound").as_bool());
  CHECK_FALSE(me.at("alert_notify").as_bool());
  REQUIRE(s.request(bhttp::verb::put, "/api/v1/me", lee, R"({"language":"en"})").result() ==
          bhttp::status::ok);
  auto put = s.request(bhttp::verb::put, "/api/v1/me", lee,
                       R"({"alert_sound":false,"alert_notify":true})");
  REQUIRE(put.result() == bhttp::status::ok);
  CHECK_FALSE(object(put).at("alert_sound").as_bool());
  me = object(s.request(bhttp::verb::get, "/api/v1/me", lee));
  CHECK_FALSE(me.at("alert_sound").as_bool());
  CHECK(me.at("alert_notify").as_bool());
  CHECK(text(me.at("language")) == "en");  // a PUT changes only what it names
  CHECK(object(s.request(bhttp::verb::get, "/api/v1/me", alice)).at("alert_sound").as_bool());
  for (const char* bad : {R"({"alert_sound":"yes"})", R"({"alert_notify":1})",
                          R"({"alert_notify":true,"language":"de"})"}) {
    auto res = s.request(bhttp::verb::put, "/api/v1/me", lee, bad);
    CHECK_MESSAGE(res.result() == bhttp::status::bad_request, bad);
  }
  CHECK(s.request(bhttp::verb::put, "/api/v1/me", lee, R"({"alert_sound":"yes"})")
            .body()
            .find("alert_sound must be true, false or null") != std::string::npos);
  CHECK(object(s.request(bhttp::verb::put, "/api/v1/me", lee, R"({"alert_sound":null})"))
            .at("alert_sound")
            .as_bool());  // back to the default
  auto audit = audit_of(s, "user/dr-lee");
  REQUIRE(audit.size() == 3);
  CHECK(text(audit[1].at("detail")) == "alert_sound=off, alert_notify=on");
  CHECK(text(audit[0].at("detail")) == "alert_sound cleared");
}

TEST_CASE("POST /api/v1/alerts/claim: a colleague's stream shows it live, 409 names the holder") {
  Served s;
  const std::string lee = s.clinician_token, alice = s.login("alice");
  s.add_alerts({1});
  auto alerts = boost::json::parse(s.request(bhttp::verb::get, "/api/v1/alerts", lee).body());
  const std::string id = text(alerts.as_array().at(0).at("alert_id"));
  const std::string body = R"({"alert_id":")" + id + R"("})";
  SseReader colleague(s.port, "/api/v1/stream", "0", alice);
  REQUIRE(colleague.ids(1).size() == 1);  // the raised alert, replayed
  auto claimed = s.request(bhttp::verb::post, "/api/v1/alerts/claim", lee, body);
  REQUIRE(claimed.result() == bhttp::status::ok);
  CHECK(text(object(claimed).at("claimed_by")) == "dr-lee");
  CHECK(text(object(claimed).at("state")) == "open");
  REQUIRE(colleague.ids(2).size() == 2);
  CHECK(colleague.text.find(R"("change":"claimed")") != std::string::npos);
  CHECK(colleague.text.find(R"("claimed_by":"dr-lee")") != std::string::npos);
  auto taken = s.request(bhttp::verb::post, "/api/v1/alerts/claim", alice, body);
  CHECK(taken.result() == bhttp::status::conflict);
  CHECK(taken.body().find("claimed by dr-lee") != std::string::npos);
  CHECK(s.request(bhttp::verb::post, "/api/v1/alerts/unclaim", alice, body).result() ==
        bhttp::status::conflict);
  auto released = s.request(bhttp::verb::post, "/api/v1/alerts/unclaim", lee, body);
  REQUIRE(released.result() == bhttp::status::ok);
  CHECK(object(released).at("claimed_by").is_null());
  REQUIRE(colleague.ids(3).size() == 3);
  CHECK(s.request(bhttp::verb::post, "/api/v1/alerts/claim", lee, R"({"alert_id":"nope"})")
            .result() == bhttp::status::not_found);
  CHECK(s.request(bhttp::verb::post, "/api/v1/alerts/claim", lee, R"({})").result() ==
        bhttp::status::bad_request);
  auto audit = audit_of(s, id);
  REQUIRE(audit.size() == 2);
  CHECK(text(audit[0].at("action")) == "unclaim");
  CHECK(text(audit[1].at("action")) == "claim");
  CHECK(text(audit[1].at("actor")) == "dr-lee");
}

TEST_CASE("POST /api/v1/alerts/claim takeover: an admin takes a colleague's claim, live, audited") {
  Served s;
  const std::string lee = s.clinician_token, alice = s.login("alice"), admin = s.login("admin");
  s.add_alerts({1});
  auto alerts = boost::json::parse(s.request(bhttp::verb::get, "/api/v1/alerts", lee).body());
  const std::string id = text(alerts.as_array().at(0).at("alert_id"));
  const std::string body = R"({"alert_id":")" + id + R"("})";
  const std::string takeover = R"({"alert_id":")" + id + R"(","takeover":true})";
  REQUIRE(s.request(bhttp::verb::post, "/api/v1/alerts/claim", lee, body).result() ==
          bhttp::status::ok);
  SseReader colleague(s.port, "/api/v1/stream", "0", alice);
  REQUIRE(colleague.ids(2).size() == 2);  // raised, claimed (replayed)
  auto refused = s.request(bhttp::verb::post, "/api/v1/alerts/claim", alice, takeover);
  CHECK(refused.result() == bhttp::status::forbidden);  // a clinician may not take over
  CHECK(refused.body().find("admin") != std::string::npos);
  CHECK(s.request(bhttp::verb::post, "/api/v1/alerts/claim", admin,
                  R"({"alert_id":")" + id + R"(","takeover":"yes"})")
            .result() == bhttp::status::bad_request);
  CHECK(s.request(bhttp::verb::post, "/api/v1/alerts/unclaim", admin, takeover).result() ==
        bhttp::status::bad_request);
  CHECK(s.request(bhttp::verb::post, "/api/v1/alerts/claim", admin, body).result() ==
        bhttp::status::conflict);  // without the flag: still dr-lee's
  auto taken = s.request(bhttp::verb::post, "/api/v1/alerts/claim", admin, takeover);
  REQUIRE(taken.result() == bhttp::status::ok);
  CHECK(text(object(taken).at("claimed_by")) == "admin");
  REQUIRE(colleague.ids(3).size() == 3);
  CHECK(colleague.text.find(R"("change":"taken_over")") != std::string::npos);
  CHECK(colleague.text.find(R"("claimed_by":"admin")") != std::string::npos);
  auto lee_again = s.request(bhttp::verb::post, "/api/v1/alerts/claim", lee, body);
  CHECK(lee_again.result() == bhttp::status::conflict);
  CHECK(lee_again.body().find("claimed by admin") != std::string::npos);
  auto audit = audit_of(s, id);
  REQUIRE(audit.size() == 2);
  CHECK(text(audit[0].at("action")) == "takeover");
  CHECK(text(audit[0].at("actor")) == "admin");
  CHECK(text(audit[0].at("detail")) == "from dr-lee");
  CHECK(s.counters.snapshot()["alerts_taken_over"] == 1);
}

TEST_CASE("notes: on an alert (count live, listed) and on a registered patient, audited") {
  Served s;
  const std::string lee = s.clinician_token;
  s.add_alerts({1});
  auto alerts = boost::json::parse(s.request(bhttp::verb::get, "/api/v1/alerts", lee).body());
  const std::string id = text(alerts.as_array().at(0).at("alert_id"));
  auto noted = s.request(bhttp::verb::post, "/api/v1/alerts/notes", lee,
                         R"({"alert_id":")" + id + R"(","text":"called, no answer"})");
  REQUIRE(noted.result() == bhttp::status::ok);
  CHECK(object(noted).at("notes").as_int64() == 1);
  CHECK(text(object(noted).at("change")) == "noted");
  std::string query = id;
  for (std::size_t at = query.find('#'); at != std::string::npos; at = query.find('#'))
    query.replace(at, 1, "%23");
  auto listed = s.request(bhttp::verb::get, "/api/v1/alerts/notes?alert_id=" + query, lee);
  REQUIRE(listed.result() == bhttp::status::ok);
  auto notes = boost::json::parse(listed.body()).as_array();
  REQUIRE(notes.size() == 1);
  CHECK(text(notes[0].at("author")) == "dr-lee");
  CHECK(text(notes[0].at("text")) == "called, no answer");
  const std::vector<std::string> bad_notes{R"("text":"  ")", R"("text":5)", R"("note":"x")",
                                           R"("text":")" + std::string(2001, 'x') + "\""};
  for (const auto& bad : bad_notes) {
    CHECK_MESSAGE(s.request(bhttp::verb::post, "/api/v1/alerts/notes", lee,
                            R"({"alert_id":")" + id + "\"," + bad + "}")
                          .result() == bhttp::status::bad_request,
                  bad);
  }
  CHECK(text(audit_of(s, id).at(0).at("action")) == "note");

  const std::string path = "/api/v1/patients/patient-1/notes";
  CHECK(s.request(bhttp::verb::get, path, lee).result() == bhttp::status::not_found);
  REQUIRE(s.request(bhttp::verb::post, "/api/v1/patients", std::nullopt,
                    R"({"patient_id":"patient-1","team":"ward-a","display_name":"Aino"})")
              .result() == bhttp::status::created);
  auto added = s.request(bhttp::verb::post, path, lee, R"({"text":"uses the left arm"})");
  REQUIRE(added.result() == bhttp::status::created);
  CHECK(text(object(added).at("author")) == "dr-lee");
  auto kept = boost::json::parse(s.request(bhttp::verb::get, path, lee).body()).as_array();
  REQUIRE(kept.size() == 1);
  CHECK(text(kept[0].at("text")) == "uses the left arm");
  CHECK(s.request(bhttp::verb::post, path, lee, R"({"text":""})").result() ==
        bhttp::status::bad_request);
  auto audit = audit_of(s, "patient/patient-1");
  CHECK(text(audit.at(0).at("action")) == "patient.note");
  CHECK(text(audit.at(0).at("actor")) == "dr-lee");
  CHECK(boost::json::parse(s.request(bhttp::verb::get, "/api/v1/audit/verify").body())
            .at("ok")
            .as_bool());
}

TEST_CASE("GET /api/v1/me: the caller's care team by its name (an admin: every team)") {
  Served s([](http::AuthConfig& config) { config.team_names["ward-a"] = "Sydänhoitajat A"; });
  auto mine = object(s.request(bhttp::verb::get, "/api/v1/me", s.clinician_token));
  const auto& teams = mine.at("teams").as_array();
  REQUIRE(teams.size() == 1);
  CHECK(text(teams[0].at("id")) == "ward-a");
  CHECK(text(teams[0].at("name")) == "Sydänhoitajat A");
  CHECK(teams[0].at("patients").as_array().size() == 2);         // patient-1, patient-a
  auto all = object(s.request(bhttp::verb::get, "/api/v1/me"));  // admin
  const auto& every = all.at("teams").as_array();
  REQUIRE(every.size() == 2);
  CHECK(text(every[1].at("id")) == "ward-b");
  CHECK(every[1].at("name").is_null());  // no team_name line: the page shows the id
  CHECK(all.at("team").is_null());
}
