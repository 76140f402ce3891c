// Issue 22: a reconnect to a PostgreSQL host that takes the TCP handshake and then never
// answers (a host gone behind a load balancer, a hung server) held the server's io loop for
// the length of libpq's connect, which has no timeout by default: /healthz, the HTTP API and
// ingest stood still. The store now connects on a thread of its own (server/store/postgres.cpp
// ConnectAttempt). PostgreSQL runs only: the store reaches the test cluster over loopback TCP
// through UnixSocketProxy, which the test makes go silent and then heals.
#include <doctest/doctest.h>

#include <regex>
#include <thread>

#include "tests/integration/system.h"
#include "tests/support/store_location.h"
#include "tests/support/unix_socket_proxy.h"

using namespace kotona::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// "postgresql:///DB?host=DIR&port=P&user=U" -> the cluster's socket file, and the same
// database over TCP at 127.0.0.1:tcp_port.
struct TcpRoute {
  std::string socket_file;
  std::string tcp_uri;
};
std::optional<TcpRoute> route_over_tcp(const std::string& location, std::uint16_t tcp_port) {
  std::smatch m;
  static const std::regex kUri(R"(postgresql:///([^?]+)\?host=([^&]+)&port=([0-9]+)&user=(\w+))");
  if (!std::regex_match(location, m, kUri)) return std::nullopt;
  return TcpRoute{m[2].str() + "/.s.PGSQL." + m[3].str(),
                  "postgresql://127.0.0.1:" + std::to_string(tcp_port) + "/" + m[1].str() +
                      "?user=" + m[4].str()};
}

bool ready(int port) {
  auto res = http_get(port, "/healthz/ready", 2s);
  return res && res->status == 200;
}

}  // namespace

TEST_CASE(
    "issue 22: PostgreSQL over TCP goes silent (handshake taken, never answered) -> /healthz "
    "answers within 500 ms throughout the reconnect attempts, ready again once it answers, "
    "every reading stored once") {
  if (!testing_postgres()) {
    MESSAGE("PostgreSQL only: runs in integration_test [postgresql]");
    return;
  }
  SystemUnderTest sys;
  const std::string location = test_store_location(sys.dir().path());
  // The proxy needs its port before the route exists: find the socket file first.
  auto probe = route_over_tcp(location, 0);
  REQUIRE_MESSAGE(probe, location);
  UnixSocketProxy proxy(probe->socket_file);
  sys.set_store_location(route_over_tcp(location, proxy.port())->tcp_uri);
  sys.extra_gateway_config = "batch_max_readings = 1\nack_timeout_ms = 2000\n";
  sys.start_broker();
  sys.start_server({"BPSIM0001"});
  const int port = sys.http_port();
  REQUIRE(eventually([&] { return ready(port); }, 10s));
  std::vector<std::string> script;
  for (int i = 0; i < 60; ++i) {
    script.insert(
        script.end(),
        {"measure", std::to_string(120 + i % 30) + "/80/" + std::to_string(60 + i), "wait", "250"});
  }
  sys.start_device({"BPSIM0001", script, {}});
  sys.start_gateway();
  REQUIRE_MESSAGE(eventually([&] { return sys.server_counter(port, "batches_stored") >= 5; }, 30s),
                  sys.diagnostics());

  proxy.blackhole();
  // The write probe (every second) meets the cut session; then reconnect attempts meet silence.
  REQUIRE_MESSAGE(eventually([&] { return !ready(port); }, 10s), sys.diagnostics());
  // 8 s: longer than one attempt (libpq connect_timeout 5 s), so attempts run and end meanwhile.
  Clock::duration slowest{};
  int answered = 0, asked = 0;
  for (const auto until = Clock::now() + 8s; Clock::now() < until; ++asked) {
    const auto t0 = Clock::now();
    auto res = http_get(port, "/healthz", 3s);
    slowest = std::max(slowest, Clock::now() - t0);
    answered += res && res->status == 200 ? 1 : 0;
    std::this_thread::sleep_for(100ms);
  }
  const auto slowest_ms = std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count();
  MESSAGE("/healthz while PostgreSQL was silent: ", answered, " of ", asked, " answered, slowest ",
          slowest_ms, " ms");
  CHECK(answered == asked);
  CHECK(slowest_ms < 500);
  CHECK(!ready(port));

  proxy.heal();
  const auto healed = Clock::now();
  REQUIRE_MESSAGE(eventually([&] { return ready(port); }, 20s), sys.diagnostics());
  MESSAGE("ready again ",
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - healed).count(),
          " ms after PostgreSQL answered again");
  REQUIRE_MESSAGE(eventually([&] { return sys.ledger_uids().size() == 60; }, 90s),
                  sys.diagnostics());
  REQUIRE(eventually([&] { return sys.server_reading_uids().size() >= 60; }, 60s));
  auto stored = sys.server_reading_uids();
  for (const auto& uid : sys.ledger_uids()) CHECK_MESSAGE(stored[uid] == 1, uid);
  CHECK(stored.size() == 60);
}
