// kotona-server as a process: bad configs exit 2 naming the key; a good config against a real
// mosquitto prints both readiness lines with the real port and exits 0 on SIGTERM.
#include <doctest/doctest.h>

#include <csignal>
#include <fstream>

#include "tests/support/http_client.h"
#include "tests/support/mosquitto.h"
#include "tests/support/process.h"

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
                      << "db_path = " << (dir / "s.db").string() << "\nhttp_listen = 127.0.0.1:0\n"
                      << "enrol = gw-1 BP1 patient-1\n";
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
  SseClient sse(port, "/api/v1/stream");  // an open stream must not delay the stop
  REQUIRE(sse.connected());
  CHECK(server.stop(5s) == 0);
}
