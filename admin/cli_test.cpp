#include "admin/cli.h"

#include <doctest/doctest.h>

#include "admin/http_call.h"

using namespace kotona;
using namespace kotona::admin;

namespace {

const char* kUrl = "http://127.0.0.1:8080";

Invocation parse_ok(std::vector<std::string> args) {
  auto inv = parse_command_line(args, kUrl);
  REQUIRE_MESSAGE(inv.has_value(), (inv ? "" : describe(inv.error())));
  return *inv;
}

std::string parse_error(std::vector<std::string> args) {
  auto inv = parse_command_line(args, kUrl);
  REQUIRE_FALSE(inv.has_value());
  return inv.error().detail;
}

}  // namespace

TEST_CASE("kotona-admin: each command -> its API request") {
  struct Case {
    std::vector<std::string> args;
    std::string method, target, body;
  };
  const Case cases[] = {
      {{"patient", "list"}, "GET", "/api/v1/patients", ""},
      {{"patient", "list", "--limit", "5"}, "GET", "/api/v1/patients?limit=5", ""},
      {{"patient", "show", "p-1"}, "GET", "/api/v1/patients/p-1", ""},
      {{"patient", "add", "p-1", "--hetu", "131052-308T", "--team", "ward-a"},
       "POST",
       "/api/v1/patients",
       R"({"henkilotunnus":"131052-308T","team":"ward-a","patient_id":"p-1"})"},
      {{"patient", "set", "p-1", "--name", "Aino V", "--language", "sv", "--no-team"},
       "PATCH",
       "/api/v1/patients/p-1",
       R"({"display_name":"Aino V","language":"sv","team":null})"},
      {{"enrol", "gw-1", "BP1", "p-2", "--from", "2026-11-23T10:00:00Z"},
       "POST",
       "/api/v1/enrolments",
       R"({"gateway_id":"gw-1","device_serial":"BP1","patient_id":"p-2","valid_from":"2026-11-23T10:00:00Z"})"},
      {{"enrolment", "list", "--device", "BP1", "--gateway", "gw-1"},
       "GET",
       "/api/v1/enrolments?gateway=gw-1&device=BP1",
       ""},
      {{"enrolment", "show", "12"}, "GET", "/api/v1/enrolments/12", ""},
      {{"enrolment", "end", "12"}, "POST", "/api/v1/enrolments/12/end", "{}"},
      {{"enrolment", "end", "12", "--at", "2026-11-23"},
       "POST",
       "/api/v1/enrolments/12/end",
       R"({"valid_to":"2026-11-23"})"},
      {{"quarantine", "list"}, "GET", "/api/v1/quarantine", ""},
      {{"quarantine", "list", "--held", "--gateway", "gw-1", "--reason", "not_enrolled", "--limit",
        "20"},
       "GET",
       "/api/v1/quarantine?gateway=gw-1&reason=not_enrolled&held=1&limit=20",
       ""},
      {{"quarantine", "release", "7"}, "POST", "/api/v1/quarantine/7/release", "{}"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.target);
    auto inv = parse_ok(c.args);
    CHECK(inv.call.method == c.method);
    CHECK(inv.call.target == c.target);
    CHECK(inv.call.body == c.body);
    CHECK(inv.url == kUrl);
  }
}

TEST_CASE("kotona-admin: global options, help, login -> parsed") {
  auto inv = parse_ok({"--url", "http://h:9", "--user", "root", "--json", "patient", "list"});
  CHECK(inv.url == "http://h:9");
  CHECK(inv.user == "root");
  CHECK(inv.json);
  CHECK(parse_ok({"--help"}).help);
  CHECK(parse_ok({"patient", "add", "--help"}).help);
  CHECK(parse_ok({"--user", "root", "login"}).login_only);
  CHECK(usage().find("Exit: 0 done") != std::string_view::npos);
  auto stdin_hetu = parse_ok({"patient", "add", "p-1", "--hetu", "-"});
  CHECK(stdin_hetu.hetu_from_stdin);
  CHECK(body_with_hetu(stdin_hetu.call, "131052-308T").value() ==
        R"({"patient_id":"p-1","henkilotunnus":"131052-308T"})");
  CHECK_FALSE(body_with_hetu(stdin_hetu.call, "131052-308X").has_value());
}

TEST_CASE("kotona-admin: bad command lines -> clear error, never the henkilotunnus") {
  CHECK(parse_error({}).find("no command") != std::string::npos);
  CHECK(parse_error({"frobnicate"}).find("unknown command") != std::string::npos);
  CHECK(parse_error({"--colour"}).find("unknown option") != std::string::npos);
  CHECK(parse_error({"login"}).find("--user") != std::string::npos);
  CHECK(parse_error({"patient", "show"}).find("patient:") != std::string::npos);
  CHECK(parse_error({"patient", "show", "a/b"}).find("PATIENT_ID") != std::string::npos);
  CHECK(parse_error({"patient", "set", "p-1"}).find("nothing to change") != std::string::npos);
  CHECK(parse_error({"patient", "set", "p-1", "--language", "en"}).find("fi, sv or ru") !=
        std::string::npos);
  CHECK(parse_error({"patient", "set", "p-1", "--team", "a", "--no-team"}).find("both") !=
        std::string::npos);
  CHECK(parse_error({"patient", "list", "--limit", "0"}).find("--limit") != std::string::npos);
  CHECK(parse_error({"patient", "add", "p-1", "--hetu"}).find("needs a value") !=
        std::string::npos);
  auto bad_hetu = parse_error({"patient", "add", "p-1", "--hetu", "131052-308X"});
  CHECK(bad_hetu.find("check character") != std::string::npos);
  CHECK(bad_hetu.find("131052") == std::string::npos);
  CHECK(parse_error({"enrol", "gw-1", "BP1"}).find("enrol GATEWAY_ID") != std::string::npos);
  CHECK(parse_error({"enrolment", "end", "x"}).find("enrolment:") != std::string::npos);
  CHECK(parse_error({"enrolment", "show", "1", "--at", "x"}).find("enrolment:") !=
        std::string::npos);
  CHECK(parse_error({"quarantine", "release", "x"}).find("quarantine:") != std::string::npos);
  CHECK(parse_error({"quarantine", "release", "1", "--held"}).find("quarantine:") !=
        std::string::npos);
  CHECK(parse_error({"quarantine", "list", "--gateway", "a/b"}).find("--gateway") !=
        std::string::npos);
}

TEST_CASE("kotona-admin: quarantine answers -> a table with UTC times and state, release -> outcome") {
  auto table = format_reply(
      Shape::kQuarantine,
      R"({"items":[{"id":3,"received_unix_ms":1790000000000,"reason":"not_enrolled",)"
      R"("gateway_id":"gw-1","device_serial":"BP1","reading_uid":"u1","releasable":true},)"
      R"({"id":4,"received_unix_ms":1790000000000,"reason":"undecodable","gateway_id":"gw-1",)"
      R"("device_serial":null,"reading_uid":"","releasable":false},)"
      R"({"id":5,"received_unix_ms":1790000000000,"reason":"not_enrolled","gateway_id":"gw-1",)"
      R"("device_serial":"BP1","reading_uid":"u2","releasable":false,)"
      R"("released_unix_ms":1790000001000,"released_by":"admin"}]})",
      false);
  CHECK(table ==
        "ID\tRECEIVED\tREASON\tGATEWAY\tDEVICE\tREADING_UID\tSTATE\n"
        "3\t2026-09-21T14:13:20Z\tnot_enrolled\tgw-1\tBP1\tu1\theld, releasable\n"
        "4\t2026-09-21T14:13:20Z\tundecodable\tgw-1\t-\t\theld\n"
        "5\t2026-09-21T14:13:20Z\tnot_enrolled\tgw-1\tBP1\tu2\treleased by admin\n");
  CHECK(format_reply(Shape::kQuarantineRelease,
                     R"({"item":{"id":3,"reading_uid":"u1","release_outcome":"stored"},)"
                     R"("alerts":[{"id":"a"}]})",
                     false) == "released item 3 (u1): stored; 1 alert(s) raised\n");
}

TEST_CASE("kotona-admin: replies -> tables, statuses -> exit codes, URLs -> parts") {
  auto enrol = format_reply(
      Shape::kEnrolWrite,
      R"({"enrolment":{"id":2,"gateway_id":"gw","device_serial":"BP1","patient_id":"b",)"
      R"("valid_from":"T","valid_to":null,"source":"api"},"closed":{"id":1,"gateway_id":"gw",)"
      R"("device_serial":"BP1","patient_id":"a","valid_from":"S","valid_to":"T","source":"config"}})",
      false);
  CHECK(enrol ==
        "ID\tGATEWAY\tDEVICE\tPATIENT\tVALID_FROM\tVALID_TO\tSOURCE\n"
        "2\tgw\tBP1\tb\tT\t-\tapi\n1\tgw\tBP1\ta\tS\tT\tconfig\n");
  CHECK(format_reply(Shape::kToken, R"({"token":"abc"})", false) == "abc\n");
  CHECK(format_reply(Shape::kPatients, "[]", true) == "[]\n");
  CHECK(format_reply(Shape::kPatient, R"({"patient_id":"a","team":null})", false) ==
        "patient_id: a\nteam: -\n");
  CHECK(exit_code_for(201) == kExitOk);
  CHECK(exit_code_for(400) == kExitRefused);
  CHECK(exit_code_for(409) == kExitRefused);
  CHECK(exit_code_for(401) == kExitAuth);
  CHECK(exit_code_for(403) == kExitAuth);
  CHECK(exit_code_for(500) == kExitUnavailable);
  auto t = parse_url("http://127.0.0.1:8080/kotona/").value();
  CHECK(t.host == "127.0.0.1");
  CHECK(t.port == "8080");
  CHECK(t.path_prefix == "/kotona");
  CHECK(parse_url("http://localhost").value().port == "80");
  CHECK_FALSE(parse_url("https://x").has_value());
  CHECK_FALSE(parse_url("http://x:80a").has_value());
}

TEST_CASE("kotona-admin: server not listening -> kIo, no hang") {
  auto reply =
      http_call({"127.0.0.1", "1", ""}, "GET", "/healthz", "", "", std::chrono::seconds(2));
  CHECK_FALSE(reply.has_value());
}

TEST_CASE("kotona-admin: hub-code -> a one-time enrolment code request, printed as a row") {
  auto inv = parse_ok({"hub-code", "gw-0007", "p-17", "--ttl", "30"});
  CHECK(inv.call.method == "POST");
  CHECK(inv.call.target == "/api/v1/enrolment-codes");
  CHECK(inv.call.body == R"({"gateway_id":"gw-0007","patient_id":"p-17","ttl_s":1800})");
  CHECK(parse_ok({"hub-code", "gw-0007", "p-17"}).call.body ==
        R"({"gateway_id":"gw-0007","patient_id":"p-17"})");
  CHECK(parse_error({"hub-code", "gw-0007"}).find("hub-code") != std::string::npos);
  CHECK(parse_error({"hub-code", "gw-0007", "p-17", "--ttl", "0"}).find("--ttl") !=
        std::string::npos);
  CHECK(format_reply(Shape::kHubCode,
                     R"({"code":"ABCD-EFGH-JKMN","gateway_id":"gw-0007","patient_id":"p-17",)"
                     R"("expires":"2026-12-07T12:15:00Z"})",
                     false) ==
        "CODE\tGATEWAY\tPATIENT\tEXPIRES\nABCD-EFGH-JKMN\tgw-0007\tp-17\t2026-12-07T12:15:00Z\n");
}

TEST_CASE("kotona-admin: hub-certs -> the issued hub certificates, printed as rows") {
  auto inv = parse_ok({"hub-certs", "--gateway", "gw-0007", "--limit", "5"});
  CHECK(inv.call.method == "GET");
  CHECK(inv.call.target == "/api/v1/hub-certificates?gateway=gw-0007&limit=5");
  CHECK(parse_ok({"hub-certs"}).call.target == "/api/v1/hub-certificates");
  CHECK(parse_error({"hub-certs", "gw-0007"}).find("hub-certs") != std::string::npos);
  CHECK(parse_error({"hub-certs", "--limit", "0"}).find("--limit") != std::string::npos);
  CHECK(format_reply(Shape::kHubCertificates,
                     R"([{"serial":"7A90","gateway_id":"gw-0007","patient_id":"p-17",)"
                     R"("issued":"2026-12-07T12:00:00Z","not_after":"2029-03-11T12:00:00Z",)"
                     R"("issued_to":"203.0.113.5","revoked":null}])",
                     false) ==
        "SERIAL\tGATEWAY\tPATIENT\tISSUED\tNOT_AFTER\tISSUED_TO\tREVOKED\n"
        "7A90\tgw-0007\tp-17\t2026-12-07T12:00:00Z\t2029-03-11T12:00:00Z\t203.0.113.5\t-\n");
}
