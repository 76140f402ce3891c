// Issue 20 part 5, end to end: a blank hub is set up with a one-time code and nothing else.
// Real processes: mosquitto with the production config (TLS, client certificates, per-hub
// ACL), kotona-server with the hub CA (deploy/provision.sh's) behind a TLS proxy (what a
// service centre puts in front of the loopback API), kotona-admin for the code, a simulated
// BP monitor on a pty, and kotona-gateway with no identity at all. The setup page is served on
// a second loopback address (127.0.0.2: the hub's LAN address) and must be gone after setup.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <thread>

#include "tests/security/pki.h"
#include "tests/support/http_client.h"
#include "tests/support/store_location.h"

using namespace kotona;
using namespace kotona::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string page(const std::string& address, int port, const std::string& target) {
  return raw_http(address, port,
                  "GET " + target + " HTTP/1.1\r\nHost: " + address + ":" + std::to_string(port) +
                      "\r\nConnection: close\r\n\r\n");
}

int port_in(const std::string& line, const std::string& address) {
  std::smatch m;
  if (!std::regex_search(
          line, m,
          std::regex(std::regex_replace(address, std::regex("\\."), "\\.") + ":([0-9]+)"))) {
    return 0;
  }
  return std::stoi(m[1]);
}

// PEM text as a JSON string's content (newlines escaped; PEM has no quotes or backslashes).
std::string json_lines(const std::string& pem) {
  std::string out;
  for (const char c : pem) out += c == '\n' ? std::string("\\n") : std::string(1, c);
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE(
    "hub enrolment end to end: blank hub, one-time code -> enrolled, a reading arrives, "
    "setup listener closed, the code refused a second time and audited") {
  TempDir dir;
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  const fs::path pki = dir / "pki";
  provision(pki, {"init"});
  provision(pki, {"broker", "localhost", "127.0.0.1"});
  provision(pki, {"server", "kotona-ingest-1"});
  ProductionBroker broker(dir / "broker", pki, "localhost");
  broker.start();

  // The server: broker client certificate, and the hub CA (the same CA mosquitto trusts).
  const std::string store = test_store_location(dir.path());
  std::ofstream(dir / "server.conf")
      << "mqtt_uri = " << broker.uri() << "\nmqtt_client_id = kotona-ingest-1\n"
      << "mqtt_share_group = none\ntls_ca = " << (pki / "ca.crt").string()
      << "\ntls_cert = " << (pki / "kotona-ingest-1.crt").string()
      << "\ntls_key = " << (pki / "private/kotona-ingest-1.key").string() << "\ndb_path = " << store
      << "\nhttp_listen = 127.0.0.1:0\n"
      << test_admin_config() << "enrol_ca_cert = " << (pki / "ca.crt").string()
      << "\nenrol_ca_key = " << (pki / "private/ca.key").string()
      << "\nenrol_broker_uri = " << broker.uri()
      << "\nenrol_broker_ca = " << (pki / "ca.crt").string() << "\n";
  Child server({bin("server/kotona-server"), "--config", (dir / "server.conf").string()},
               dir / "server.log");
  auto feed = server.wait_for_log("clinician feed at http://127.0.0.1:", 20s);
  REQUIRE_MESSAGE(feed, server.log_text());
  const int http_port = port_in(*feed, "127.0.0.1");
  REQUIRE_MESSAGE(server.wait_for_log("ingest subscribed", 20s), server.log_text());
  auto token = http_login(http_port, "admin", kTestPassword);
  REQUIRE(token);
  set_bearer_token(*token);
  REQUIRE(http_request(http_port, "POST", "/api/v1/patients",
                       R"({"patient_id":"patient-e","display_name":"Aino Virtanen"})")
              ->status == 201);
  REQUIRE(http_request(http_port, "POST", "/api/v1/enrolments",
                       R"({"gateway_id":"gw-e2e","device_serial":"BPE2E","patient_id":"patient-e",)"
                       R"("valid_from":"2026-01-01T00:00:00Z"})")
              ->status == 201);
  // The nurse's code, from kotona-admin.
  REQUIRE(shell("KOTONA_TOKEN=" + *token + " " + bin("admin/kotona-admin") +
                " --url http://127.0.0.1:" + std::to_string(http_port) +
                " hub-code gw-e2e patient-e --ttl 15 > '" + (dir / "code.txt").string() + "'") ==
          0);
  std::smatch m;
  const std::string code_text = read_file(dir / "code.txt");
  REQUIRE_MESSAGE(
      std::regex_search(code_text, m, std::regex("([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4})")),
      code_text);
  const std::string code = m[1];

  // TLS in front of the API, with the broker's certificate (localhost, 127.0.0.1) for brevity.
  Child proxy({"python3", source("tests/security/tls_proxy.py"), (pki / "localhost.crt").string(),
               (pki / "private/localhost.key").string(), std::to_string(http_port)},
              dir / "proxy.log");
  auto proxy_line = proxy.wait_for_log("tls proxy on", 10s);
  REQUIRE_MESSAGE(proxy_line, proxy.log_text());
  const int proxy_port = port_in(*proxy_line, "127.0.0.1");

  // The blank hub: no gateway_id, no broker, no certificate; only where to enrol.
  std::ofstream(dir / "gateway.conf")
      << "outbox_path = " << (dir / "outbox.db").string()
      << "\nenrol_url = https://localhost:" << proxy_port
      << "/api/v1/hub/enrol\nenrol_ca = " << (pki / "ca.crt").string()
      << "\nstate_dir = " << (dir / "state").string()
      << "\nlocal_page_listen = 127.0.0.1:0\nsetup_listen = 127.0.0.2:0\n"
      << "device = astm_bp " << (dir / "dev-BPE2E").string() << "\nstatus_interval_ms = 1000\n";
  Child hub({bin("gateway/kotona-gateway"), "--config", (dir / "gateway.conf").string()},
            dir / "gateway.log");
  auto setup_line = hub.wait_for_log("listening (setup) on 127.0.0.2:", 10s);
  auto loop_line = hub.wait_for_log("listening (loopback) on 127.0.0.1:", 10s);
  REQUIRE_MESSAGE((setup_line && loop_line), hub.log_text());
  const int setup_port = port_in(*setup_line, "127.0.0.2");
  const int loop_port = port_in(*loop_line, "127.0.0.1");
  CHECK(page("127.0.0.2", setup_port, "/").find("Käyttöönottokoodi") != std::string::npos);

  // The installer types the code on the LAN setup page (lower case, spaces: as people type).
  std::string typed = code;
  for (auto& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string form = "code=" + typed.substr(0, 4) + "+" + typed.substr(5);
  const auto posted =
      raw_http("127.0.0.2", setup_port,
               "POST /setup?lang=sv HTTP/1.1\r\nHost: 127.0.0.2:" + std::to_string(setup_port) +
                   "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
                   std::to_string(form.size()) + "\r\nConnection: close\r\n\r\n" + form);
  CHECK(posted.starts_with("HTTP/1.1 303"));
  REQUIRE_MESSAGE(hub.wait_for_log("enrolled as gw-e2e", 20s),
                  std::string(hub.log_text() + server.log_text() + proxy.log_text()));

  // The meter measures once the hub runs (its port may appear later: opened when it does).
  Child device(
      {bin("firmware-sim/kotona-firmware-sim"), "astm-bp", "--link", (dir / "dev-BPE2E").string(),
       "--serial", "BPE2E", "--ledger", (dir / "ledger.jsonl").string(), "measure", "128/82/70"},
      dir / "sim.log");
  REQUIRE_MESSAGE(device.wait_for_log("device ready on", 10s), device.log_text());
  // A reading reaches the centre over the broker, with the hub's new client certificate.
  bool arrived = false;
  for (int i = 0; i < 100 && !arrived; ++i) {
    auto r = http_get(http_port, "/api/v1/readings?patient=patient-e");
    arrived = r && r->status == 200 && r->body.find("BPE2E") != std::string::npos;
    if (!arrived) std::this_thread::sleep_for(200ms);
  }
  CHECK_MESSAGE(arrived, std::string(hub.log_text() + "\n" + device.log_text()));

  // The setup listener is closed: nothing accepts on the LAN address any more.
  CHECK(page("127.0.0.2", setup_port, "/").empty());
  // The loopback page shows the patient and the device, in Swedish.
  const auto status = page("127.0.0.1", loop_port, "/?lang=sv");
  CHECK(status.find("Aino Virtanen") != std::string::npos);
  CHECK(status.find("BPE2E") != std::string::npos);
  CHECK(status.find("<html lang=\"sv\">") != std::string::npos);
  // The key never left the hub: 0600 in its state directory.
  struct stat st {};
  REQUIRE(::stat((dir / "state/hub.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  // The same code again, by someone else with their own CSR: refused, nothing in the answer.
  REQUIRE(shell("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "
                "/CN=thief -keyout '" +
                (dir / "thief.key").string() + "' -out '" + (dir / "thief.csr").string() +
                "' 2>/dev/null") == 0);
  const auto again = http_request(
      http_port, "POST", "/api/v1/hub/enrol",
      R"({"code":")" + code + R"(","csr":")" + json_lines(read_file(dir / "thief.csr")) + "\"}");
  REQUIRE(again);
  CHECK(again->status == 403);
  CHECK(again->body == R"({"error":"refused"})");
  // Every step audited: issue, use, the refusal (why, from where; never the code).
  const auto audit = http_get(http_port, "/api/v1/audit?limit=50");
  REQUIRE(audit);
  CHECK(audit->body.find("enrolment_code.issue") != std::string::npos);
  CHECK(audit->body.find("enrolment_code.use") != std::string::npos);
  CHECK(audit->body.find("used from 127.0.0.1") != std::string::npos);
  CHECK(audit->body.find(code) == std::string::npos);
  set_bearer_token("");
}
