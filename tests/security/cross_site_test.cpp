// Issue 17 points 3 and 6 (in-process server, server/http/test_served.h). Cross-site and DNS
// rebinding: a foreign Host is refused (421), a login or state change must be JSON (415) and,
// when it names an Origin, a configured one (403; request_guard.cpp). No existence oracle: an
// alert, patient, enrolment or export outside the caller's care teams answers exactly as one
// that does not exist (same status, same body).
#include <doctest/doctest.h>

#include "server/http/test_served.h"

using namespace kotona;
using namespace kotona::server;
using namespace kotona::server::http::test_served;

TEST_CASE("cross-site: foreign Host -> 421, text/plain login -> 415, cross-origin POST -> 403") {
  Served s;
  auto raw = [&](const std::string& host, const std::string& type, const std::string& origin) {
    asio::io_context client_io;
    beast::tcp_stream stream(client_io);
    stream.expires_after(5s);
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), s.port));
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/api/v1/login", 11};
    req.set(bhttp::field::host, host);
    if (!type.empty()) req.set(bhttp::field::content_type, type);
    if (!origin.empty()) req.set(bhttp::field::origin, origin);
    req.body() = R"({"user":"alice","password":"correct horse"})";
    req.prepare_payload();
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream, buffer, res);
    return res.result_int();
  };
  CHECK(raw("evil.example:8080", "application/json", "") == 421);
  CHECK(raw("127.0.0.1", "text/plain", "") == 415);
  CHECK(raw("127.0.0.1", "application/json", "http://evil.example") == 403);
  CHECK(raw("127.0.0.1", "application/json", "http://127.0.0.1:8080") == 200);
  auto metrics = s.request(bhttp::verb::get, "/metrics").body();
  CHECK(metrics.find("http_bad_host 1") != std::string::npos);
  CHECK(metrics.find("http_cross_origin 1") != std::string::npos);
}

TEST_CASE(
    "existence oracle: an alert, patient or enrolment outside the team answers exactly as one "
    "that does not exist") {
  Served s;
  s.add_alerts({2}, "BPB");  // patient-b, ward-b
  std::string admin = s.login("admin"), alice = s.login("alice");
  auto list = boost::json::parse(
      s.request(bhttp::verb::get, "/api/v1/alerts?patient=patient-b", admin).body());
  const std::string alert_b(list.as_array().at(0).at("alert_id").as_string());
  auto same = [&](bhttp::verb verb, const std::string& outside, const std::string& nowhere,
                  const std::string& body_outside = "", const std::string& body_nowhere = "") {
    auto a = s.request(verb, outside, alice, body_outside);
    auto b = s.request(verb, nowhere, alice, body_nowhere);
    CAPTURE(outside);
    CHECK(a.result() == b.result());
    CHECK(a.body() == b.body());
  };
  same(bhttp::verb::post, "/api/v1/alerts/ack", "/api/v1/alerts/ack",
       R"({"alert_id":")" + alert_b + R"(","note":"n"})",
       R"({"alert_id":"a-0000000000000000","note":"n"})");
  same(bhttp::verb::get, "/api/v1/patients/patient-b", "/api/v1/patients/patient-nobody");
  same(bhttp::verb::post, "/api/v1/patients/patient-b/henkilotunnus",
       "/api/v1/patients/patient-nobody/henkilotunnus");
  same(bhttp::verb::get, "/api/v1/fhir/Patient/patient-b/$everything",
       "/api/v1/fhir/Patient/patient-nobody/$everything");
  same(bhttp::verb::get, "/api/v1/alerts?patient=patient-b", "/api/v1/alerts?patient=nobody");
  same(bhttp::verb::get, "/api/v1/readings?patient=patient-b", "/api/v1/readings?patient=nobody");
}
