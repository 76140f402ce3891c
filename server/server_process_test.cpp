// kotona-server as a process: bad configs exit 2 naming the key; a good config against a real
// mosquitto prints both readiness lines with the real port and exits 0 on SIGTERM.
#include <doctest/doctest.h>

#include <csignal>
#include <fstream>

#include <sqlite3.h>

#include "server/store/store.h"
#include "tests/support/http_client.h"
#include "tests/support/mosquitto.h"
#include "tests/support/process.h"
#include "tests/support/store_location.h"

using namespace kotona::test;
using namespace std::chrono_literals;

TEST_CASE("kotona-server: bad config or command line -> one clear line, exit 2") {
  TempDir dir;
  struct Case {
    std::string text, expect;
  };
  std::vector<Case> cases{
      {"mqtt_uri = tcp://127.0.0.1:1\n", "db_path"},
      {"mqtt_uri = tcp://127.0.0.1:1\ndb_path = x.db\nfavourite = 7\n", "favourite"},
      {"mqtt_uri = tcp://127.0.0.1:1\ndb_path = x.db\nhttp_listen = :1\n", "http_listen"}};
  int n = 0;
  for (const auto& c : cases) {
    auto conf = dir / ("bad" + std::to_string(++n) + ".conf");
    std::ofstream(conf) << c.text;
    Child child({bin("server/kotona-server"), "--config", conf.string()},
                dir / ("bad" + std::to_string(n) + ".log"));
    REQUIRE(eventually([&] { return !child.running(); }, 10s));
    CHECK(child.stop() == 2);
    CHECK_MESSAGE(child.log_text().find(c.expect) != std::string::npos, child.log_text());
  }
  Child usage({bin("server/kotona-server")}, dir / "usage.log");
  REQUIRE(eventually([&] { return !usage.running(); }, 10s));
  CHECK(usage.stop() == 2);
}

TEST_CASE("kotona-server: port 0 -> real port printed, subscribed, SIGTERM -> exit 0") {
  TempDir dir;
  Mosquitto broker(dir.path(), false);
  broker.start();
  auto conf = dir / "server.conf";
  std::ofstream(conf) << "mqtt_uri = " << broker.uri() << "\nmqtt_client_id = proc-test\n"
                      << "db_path = " << test_store_location(dir.path()) << "\nhttp_listen = 127.0.0.1:0\n"
                      << "enrol = gw-1 BP1 patient-1\n" << test_admin_config();
  Child server({bin("server/kotona-server"), "--config", conf.string()}, dir / "server.log");
  auto line = server.wait_for_log("clinician feed at http://127.0.0.1:", 10s);
  REQUIRE_MESSAGE(line.has_value(), server.log_text());
  auto at = line->find("127.0.0.1:") + 10;
  int port = std::stoi(line->substr(at));
  CHECK(port > 0);
  REQUIRE_MESSAGE(server.wait_for_log("ingest subscribed", 10s).has_value(), server.log_text());
  auto health = http_get(port, "/healthz");
  REQUIRE(health.has_value());
  CHECK(health->body == "ok\n");
  auto token = http_login(port, "admin", kTestPassword);
  REQUIRE(token.has_value());
  set_bearer_token(*token);
  SseClient sse(port, "/api/v1/stream");  // an open stream must not delay the stop
  REQUIRE(sse.connected());
  CHECK(server.stop(5s) == 0);
}

TEST_CASE("kotona-server --verify-audit: intact chain -> exit 0, a changed row -> exit 3 naming it") {
  using namespace kotona;
  // Tampers with the SQLite file directly; the chain check itself runs on both backends in
  // server_store_test (lifecycle_test.cpp).
  if (testing_postgres()) return;
  TempDir dir;
  auto db = (dir / "s.db").string();
  {
    auto store = server::store::Store::open(db).value();
    const GatewayId gw{"gw-1"};
    REQUIRE(store->patients().seed_enrolment(
        {{gw, DeviceSerial{"BP1"}, PatientId{"patient-1"}, HubTime{}, std::nullopt}}, HubTime{}));
    Reading r;
    r.device.serial = DeviceSerial{"BP1"};
    r.record_id = "1";
    r.hub_time = HubTime{std::chrono::milliseconds{1'790'000'000'000}};
    r.measurement = BloodPressure{190, 80, std::nullopt, 60.0};
    finalize_reading(gw, r);
    auto out = store->ledger().store_batch(gw, {gw, 1, {r}, {}}, r.hub_time).value();
    REQUIRE(out.new_alerts.size() == 1);
    REQUIRE(store->alert_book().acknowledge(out.new_alerts[0].alert_id, "dr-a", "seen", r.hub_time));
    REQUIRE(store->alert_book().resolve(out.new_alerts[0].alert_id, "dr-a", "done", r.hub_time));
  }
  auto conf = dir / "server.conf";
  std::ofstream(conf) << "mqtt_uri = tcp://127.0.0.1:1\ndb_path = " << db << "\n";
  auto verify = [&](const std::string& name) {
    Child child({bin("server/kotona-server"), "--config", conf.string(), "--verify-audit"},
                dir / (name + ".log"));
    REQUIRE(eventually([&] { return !child.running(); }, 10s));
    return std::pair{child.stop(), child.log_text()};
  };
  auto [ok_rc, ok_text] = verify("intact");
  CHECK(ok_rc == 0);
  CHECK_MESSAGE(ok_text.find("intact: 2 rows") != std::string::npos, ok_text);
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &handle) == SQLITE_OK);
  CHECK(sqlite3_exec(handle,
                     "DROP TRIGGER audit_log_no_update; "
                     "UPDATE audit_log SET actor = 'dr-b' WHERE seq = 1;",
                     nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(handle);
  auto [bad_rc, bad_text] = verify("tampered");
  CHECK(bad_rc == 3);
  CHECK_MESSAGE(bad_text.find("BROKEN at row 1") != std::string::npos, bad_text);
}
