// Hub enrolment routes (issue 20 part 5): one-time codes, single use, refused with nothing in
// the answer when unknown, used or expired, every step an audit row.
#include "server/http/hub_enrolment_routes.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "server/http/hub_ca.h"
#include "server/http/test_served.h"

using namespace kotona;
using namespace kotona::server::http::test_served;
namespace json = boost::json;
namespace store = kotona::server::store;

namespace {

void run(const std::string& command) {
  REQUIRE_MESSAGE(std::system((command + " >/dev/null 2>&1").c_str()) == 0, command);
}

// A hub CA (EC P-256) and a broker CA in `dir`, by the openssl CLI; the HubCa loaded from them.
std::unique_ptr<server::http::HubCa> make_ca(const std::string& d) {
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
  run("openssl req -x509" + ec + " -keyout " + d + "/ca.key -out " + d +
      "/ca.pem -subj /CN=hub-ca -days 2");
  run("openssl req -x509" + ec + " -keyout " + d + "/broker-ca.key -out " + d +
      "/broker-ca.pem -subj /CN=broker-ca -days 2");
  server::http::HubCaFiles files{d + "/ca.pem", d + "/ca.key", "ssl://broker.test:8883",
                                 d + "/broker-ca.pem"};
  auto ca = server::http::HubCa::load(files);
  REQUIRE(ca.has_value());
  return std::move(*ca);
}

// The enrolment codes on a store connection of their own (as server.cpp gives them), wired into
// the routes for the life of this object.
struct Enabled {
  std::unique_ptr<store::Database> db;
  std::unique_ptr<store::AuditLog> audit;
  std::unique_ptr<store::EnrolmentCodes> codes;
  Enabled(Served& s, const server::http::HubCa& ca) {
    db = std::move(store::Database::open(s.location).value());
    audit = std::make_unique<store::AuditLog>(*db);
    codes = std::make_unique<store::EnrolmentCodes>(*db, *audit);
    on_io(s.io, [&] {
      server::http::set_hub_enrolment(&ca, codes.get());
      return 0;
    });
  }
  ~Enabled() { server::http::set_hub_enrolment(nullptr, nullptr); }
};

// A CSR asking for CN=`cn` (the CA ignores it and names the gateway of the code).
std::string make_csr(const std::string& d, const std::string& cn) {
  run("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + d +
      "/hub.key -out " + d + "/hub.csr -subj /CN=" + cn);
  std::ifstream in(d + "/hub.csr");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string enrol_body(const std::string& code, const std::string& csr) {
  return json::serialize(json::object{{"code", code}, {"csr", csr}});
}

// The audit rows with action `action`, newest first.
std::vector<store::AuditRow> audit_rows(Served& s, const std::string& action) {
  return on_io(s.io, [&] {
    std::vector<store::AuditRow> out;
    auto rows = s.store->audit_log().rows(std::nullopt, 1000);
    REQUIRE(rows.has_value());
    for (auto& row : *rows) {
      if (row.action == action) out.push_back(row);
    }
    return out;
  });
}

}  // namespace

TEST_CASE(
    "hub enrolment: a code issued, used once -> certificate for its gateway, devices, broker") {
  kotona::test::TempDir dir;
  auto ca = make_ca(dir.path().string());
  Served s;
  Enabled on(s, *ca);
  auto issued = s.request(bhttp::verb::post, "/api/v1/enrolment-codes", std::nullopt,
                          R"({"gateway_id":"gw-1","patient_id":"patient-a","ttl_s":600})");
  REQUIRE(issued.result_int() == 201);
  const auto code = std::string(json::parse(issued.body()).at("code").as_string());
  CHECK(code.size() == 14);
  // Not stored in clear: the table holds its hash, the audit row never the code.
  CHECK(audit_rows(s, "enrolment_code.issue").at(0).detail.find(code) == std::string::npos);

  const auto csr = make_csr(dir.path().string(), "someone-else");
  auto enrolled = s.request(bhttp::verb::post, "/api/v1/hub/enrol", "", enrol_body(code, csr));
  REQUIRE(enrolled.result_int() == 200);
  const auto answer = json::parse(enrolled.body()).as_object();
  CHECK(answer.at("gateway_id").as_string() == "gw-1");
  CHECK(answer.at("patient_id").as_string() == "patient-a");
  CHECK(answer.at("broker_uri").as_string() == "ssl://broker.test:8883");
  CHECK(std::string(answer.at("broker_ca").as_string()).starts_with("-----BEGIN CERTIFICATE-----"));
  const auto& devices = answer.at("devices").as_array();
  CHECK(std::find(devices.begin(), devices.end(), json::value("BPA")) != devices.end());
  // The certificate names the code's gateway (not the CSR's CN) and chains to the hub CA.
  const auto d = dir.path().string();
  std::ofstream(d + "/hub.pem") << std::string(answer.at("certificate").as_string());
  run("openssl verify -CAfile " + d + "/ca.pem -purpose sslclient " + d + "/hub.pem");
  run("openssl x509 -in " + d + "/hub.pem -noout -subject | grep -q 'CN *= *gw-1'");
  run("test \"$(openssl x509 -in " + d +
      "/hub.pem -noout -pubkey)\" = "
      "\"$(openssl pkey -in " +
      d + "/hub.key -pubout)\"");
  CHECK(audit_rows(s, "enrolment_code.use").size() == 1);
  // Its serial is kept (for a later revocation), as openssl names it, and listed for admins.
  run("openssl x509 -in " + d + "/hub.pem -noout -serial | tee " + d + "/serial.txt");
  std::ifstream serial_file(d + "/serial.txt");
  std::string serial_line;
  std::getline(serial_file, serial_line);
  const std::string serial = serial_line.substr(serial_line.find('=') + 1);
  CHECK(serial.size() >= 2);
  CHECK(audit_rows(s, "enrolment_code.use").at(0).detail.ends_with(", serial=" + serial));
  auto listed = s.request(bhttp::verb::get, "/api/v1/hub-certificates?gateway=gw-1");
  REQUIRE(listed.result_int() == 200);
  const auto certificates = json::parse(listed.body());
  REQUIRE(certificates.as_array().size() == 1);
  const auto& cert = certificates.as_array().at(0).as_object();
  CHECK(cert.at("serial").as_string() == serial);
  CHECK(cert.at("gateway_id").as_string() == "gw-1");
  CHECK(cert.at("patient_id").as_string() == "patient-a");
  CHECK(cert.at("issued_to").as_string() == "127.0.0.1");
  CHECK(cert.at("revoked").is_null());
  CHECK(json::parse(s.request(bhttp::verb::get, "/api/v1/hub-certificates?gateway=gw-2").body())
            .as_array()
            .empty());
  CHECK(s.request(bhttp::verb::get, "/api/v1/hub-certificates?limit=0").result_int() == 400);

  // The same code again (a stolen code after use): refused, nothing in the answer, audited.
  auto again =
      s.request(bhttp::verb::post, "/api/v1/hub/enrol", "", enrol_body(code, make_csr(d, "thief")));
  CHECK(again.result_int() == 403);
  CHECK(again.body() == R"({"error":"refused"})");
  auto refused = audit_rows(s, "enrolment_code.refused");
  REQUIRE(refused.size() == 1);
  CHECK(refused.at(0).detail.starts_with("used from "));
  CHECK(refused.at(0).alert_id.value == "gateway/gw-1");
  CHECK(s.counters.get("hub_enrol_refused") == 1);
  CHECK(on_io(s.io, [&] { return s.store->audit_log().verify().value().ok; }));
}

TEST_CASE("hub enrolment: unknown, expired or bad-CSR codes -> refused and audited, code kept") {
  kotona::test::TempDir dir;
  const auto d = dir.path().string();
  auto ca = make_ca(d);
  Served s;
  Enabled on(s, *ca);
  const auto csr = make_csr(d, "hub");
  CHECK(s.request(bhttp::verb::post, "/api/v1/hub/enrol", "", enrol_body("ZZZZ-ZZZZ-ZZZZ", csr))
            .result_int() == 403);
  // Expired: issued in the past directly in the store (the API's shortest life is 60 s).
  const auto old = on_io(s.io, [&] {
    const auto long_ago = HubTime{std::chrono::milliseconds{1'700'000'000'000}};
    return on.codes
        ->issue(GatewayId{"gw-2"}, PatientId{"patient-a"}, std::chrono::seconds(60), "admin",
                long_ago)
        .value()
        .code;
  });
  CHECK(s.request(bhttp::verb::post, "/api/v1/hub/enrol", "", enrol_body(old, csr)).result_int() ==
        403);
  // A CSR the CA refuses leaves the code usable: the real hub may still come.
  auto issued = s.request(bhttp::verb::post, "/api/v1/enrolment-codes", std::nullopt,
                          R"({"gateway_id":"gw-3","patient_id":"patient-a"})");
  const auto code = std::string(json::parse(issued.body()).at("code").as_string());
  CHECK(s.request(bhttp::verb::post, "/api/v1/hub/enrol", "", enrol_body(code, "not a csr"))
            .result_int() == 403);
  auto enrolled = s.request(bhttp::verb::post, "/api/v1/hub/enrol", "", enrol_body(code, csr));
  CHECK(enrolled.result_int() == 200);
  // gw-3 serves patient-a alone: values typed in on it are patient-a's (store/manual_binding.h).
  // Its pseudo-device `manual` is bound, but it is no meter the hub reads: not in the answer.
  CHECK(json::serialize(json::parse(enrolled.body()).at("devices")) == "[]");
  const auto typed = on_io(s.io, [&] {
    return s.store->patients()
        .enrolments({std::nullopt, GatewayId{"gw-3"}, DeviceSerial{"manual"}}, 10)
        .value();
  });
  REQUIRE(typed.size() == 1);
  CHECK(typed.at(0).binding.patient.value == "patient-a");
  CHECK(typed.at(0).source == "auto");
  std::vector<std::string> reasons;
  for (const auto& row : audit_rows(s, "enrolment_code.refused")) reasons.push_back(row.detail);
  REQUIRE(reasons.size() == 3);
  CHECK(reasons.at(0).starts_with("bad_csr"));
  CHECK(reasons.at(1).starts_with("expired"));
  CHECK(reasons.at(2).starts_with("unknown"));
  CHECK(s.counters.get("hub_enrol_refused") == 3);
  // A server's name (kotona-ingest-1 reads every hub's topics) is never a hub's: 400.
  CHECK(s.request(bhttp::verb::post, "/api/v1/enrolment-codes", std::nullopt,
                  R"({"gateway_id":"kotona-ingest-1","patient_id":"patient-a"})")
            .result_int() == 400);
  // Issuing for a patient the register does not know: 404, no code.
  CHECK(s.request(bhttp::verb::post, "/api/v1/enrolment-codes", std::nullopt,
                  R"({"gateway_id":"gw-4","patient_id":"patient-nobody"})")
            .result_int() == 404);
}

TEST_CASE(
    "hub certificates: no hub enrolment -> 200 [], enrolment turned off -> those issued still "
    "listed") {
  kotona::test::TempDir dir;
  const auto d = dir.path().string();
  Served s;
  // Nothing wired (a server that never had a hub CA, like the demo): none can have been issued.
  auto none = s.request(bhttp::verb::get, "/api/v1/hub-certificates");
  CHECK(none.result_int() == 200);
  CHECK(none.body() == "[]");
  CHECK(s.request(bhttp::verb::get, "/api/v1/hub-certificates?limit=0").result_int() == 400);
  auto ca = make_ca(d);
  Enabled on(s, *ca);
  auto issued = s.request(bhttp::verb::post, "/api/v1/enrolment-codes", std::nullopt,
                          R"({"gateway_id":"gw-5","patient_id":"patient-a"})");
  const auto code = std::string(json::parse(issued.body()).at("code").as_string());
  REQUIRE(s.request(bhttp::verb::post, "/api/v1/hub/enrol", "", enrol_body(code, make_csr(d, "h")))
              .result_int() == 200);
  // The CA removed from the config (server.cpp still wires the codes' table): no new codes or
  // hubs, but the certificate issued before is still valid at the broker, so it is listed.
  on_io(s.io, [&] {
    server::http::set_hub_enrolment(nullptr, on.codes.get());
    return 0;
  });
  auto listed = json::parse(s.request(bhttp::verb::get, "/api/v1/hub-certificates").body());
  REQUIRE(listed.as_array().size() == 1);
  CHECK(listed.as_array().at(0).at("gateway_id").as_string() == "gw-5");
  CHECK(s.request(bhttp::verb::post, "/api/v1/enrolment-codes", std::nullopt,
                  R"({"gateway_id":"gw-6","patient_id":"patient-a"})")
            .result_int() == 503);
  CHECK(s.request(bhttp::verb::post, "/api/v1/hub/enrol", "", enrol_body(code, "x")).result_int() ==
        503);
}

TEST_CASE(
    "hub enrolment throttle: many wrong codes from one address -> 429 with Retry-After, the "
    "same for a right code, audited once, another address unaffected, the right code works "
    "after the wait") {
  kotona::test::TempDir dir;
  const auto d = dir.path().string();
  auto ca = make_ca(d);
  server::http::HttpOptions options;  // behind the TLS proxy: X-Forwarded-For names the client
  options.trusted_proxies = server::http::TrustedProxies::parse("127.0.0.1").value();
  Served s({}, options);
  Enabled on(s, *ca);
  struct Restore {  // the next case in this process gets the route's defaults again
    ~Restore() { server::http::set_hub_enrol_throttle(server::http::enrol_throttle_defaults()); }
  } restore;
  auto config = server::http::enrol_throttle_defaults();
  config.free_per_address = 3;
  config.first_delay = config.max_delay = std::chrono::milliseconds(1500);
  on_io(s.io, [&] {
    server::http::set_hub_enrol_throttle(config);
    return 0;
  });
  auto issued = s.request(bhttp::verb::post, "/api/v1/enrolment-codes", std::nullopt,
                          R"({"gateway_id":"gw-5","patient_id":"patient-a"})");
  const auto code = std::string(json::parse(issued.body()).at("code").as_string());
  const auto csr = make_csr(d, "hub");
  auto enrol_from = [&](const std::string& address, const std::string& what) {
    return s.request(bhttp::verb::post, "/api/v1/hub/enrol", "", enrol_body(what, csr),
                     {{"X-Forwarded-For", address}});
  };
  for (int i = 0; i < 3; ++i)
    CHECK(enrol_from("203.0.113.66", "WRNG-CODE-000" + std::to_string(i)).result_int() == 403);
  const auto guessed = enrol_from("203.0.113.66", "WRNG-CODE-0003");
  CHECK(guessed.result_int() == 429);
  CHECK(guessed[bhttp::field::retry_after] == "2");
  // The right code from the throttled address gets the very same answer: no oracle.
  const auto right = enrol_from("203.0.113.66", code);
  CHECK(right.result_int() == 429);
  CHECK(right.body() == guessed.body());
  for (int i = 0; i < 5; ++i) CHECK(enrol_from("203.0.113.66", code).result_int() == 429);
  // Another address is not held up by the first one's refusals.
  CHECK(enrol_from("198.51.100.7", "WRNG-CODE-0009").result_int() == 403);
  CHECK(s.counters.get("hub_enrol_throttled") == 7);
  CHECK(s.counters.get("hub_enrol_refused") == 4);
  const auto throttled = audit_rows(s, "enrolment_code.throttled");
  REQUIRE(throttled.size() == 1);  // once per wait, not once per 429
  CHECK(throttled.at(0).detail == "from=203.0.113.66 refusals=3 retry_after_s=2");
  CHECK(audit_rows(s, "enrolment_code.refused").size() == 4);
  // After the wait the installer's right code works (and the code was never burned meanwhile).
  std::this_thread::sleep_for(std::chrono::milliseconds(1550));
  const auto enrolled = enrol_from("203.0.113.66", code);
  CHECK(enrolled.result_int() == 200);
  CHECK(json::parse(enrolled.body()).at("gateway_id").as_string() == "gw-5");
  CHECK(on_io(s.io, [&] { return s.store->audit_log().verify().value().ok; }));
}

TEST_CASE("enrol throttle: free refusals, then a wait doubling per refusal, forgotten, off") {
  using server::http::EnrolThrottle;
  auto config = server::http::enrol_throttle_defaults();  // 5 free, 10 s doubling to 10 min
  EnrolThrottle t(config);
  const EnrolThrottle::Time t0{};
  for (int i = 0; i < 5; ++i) {
    CHECK(t.check("a", t0).left.count() == 0);
    t.refused("a", t0);
  }
  auto wait = t.check("a", t0 + std::chrono::seconds(4));
  CHECK(wait.left == std::chrono::seconds(6));
  CHECK(wait.first);
  CHECK(wait.failures == 5);
  CHECK_FALSE(t.check("a", t0 + std::chrono::seconds(5)).first);
  CHECK(t.check("b", t0).left.count() == 0);
  CHECK(t.check("a", t0 + std::chrono::seconds(10)).left.count() == 0);
  t.refused("a", t0 + std::chrono::seconds(10));  // the sixth: 20 s from it
  CHECK(t.check("a", t0 + std::chrono::seconds(11)).left == std::chrono::seconds(19));
  CHECK(t.check("a", t0 + std::chrono::hours(2)).left.count() == 0);  // forgotten
  config.enabled = false;
  EnrolThrottle off(config);
  for (int i = 0; i < 20; ++i) off.refused("a", t0);
  CHECK(off.check("a", t0).left.count() == 0);
}
