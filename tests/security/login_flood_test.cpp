// Issue 17 point 1: a login flood must not stall the API. 32 clients (KOTONA_FLOOD_CLIENTS)
// post wrong passwords with production-cost hashes (600 000 PBKDF2 iterations) for
// KOTONA_FLOOD_SECONDS (default 12) while a prober times /healthz and the clinician's alert
// list; both p99s must stay under 50 ms. Throttling is turned off here so the flood really
// reaches the hashing (login_throttle_test.cpp covers the throttle). Prints the figures.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>

#include "server/http/test_served.h"
#include "tests/support/http_client.h"

using namespace kotona;
using namespace kotona::server::http::test_served;

namespace {

int env_int(const char* name, int fallback) {
  const char* text = std::getenv(name);
  return text ? std::max(1, std::atoi(text)) : fallback;
}

std::chrono::milliseconds p99(std::vector<std::chrono::milliseconds> v) {
  if (v.empty()) return std::chrono::milliseconds::max();
  std::sort(v.begin(), v.end());
  return v[(v.size() * 99 + 99) / 100 - 1];
}

struct Probe {
  std::vector<std::chrono::milliseconds> healthz, alerts;
  int failed = 0;
};

// Times GET `target` every 20 ms until `until`; a failed or timed-out request counts as 10 s.
void probe(int port, Probe& out, std::chrono::steady_clock::time_point until) {
  bool alerts = false;
  while (std::chrono::steady_clock::now() < until) {
    const char* target = alerts ? "/api/v1/alerts" : "/healthz";
    auto start = std::chrono::steady_clock::now();
    auto res = test::http_get(port, target, std::chrono::seconds(10));
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    if (!res || res->status != 200) {
      ++out.failed;
      took = std::chrono::seconds(10);
    }
    (alerts ? out.alerts : out.healthz).push_back(took);
    alerts = !alerts;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

TEST_CASE(
    "login flood: 32 clients posting wrong passwords -> /healthz and alert list p99 < 50 ms") {
  const int clients = env_int("KOTONA_FLOOD_CLIENTS", 32);
  const auto seconds = std::chrono::seconds(env_int("KOTONA_FLOOD_SECONDS", 12));
  Served s([](server::http::AuthConfig& config) {
    const auto hash = server::http::hash_password("correct horse");  // production cost
    for (auto& u : config.users) u.password_hash = hash;
    config.throttle.enabled = false;  // every guess reaches the hashing
    config.throttle.in_flight_per_address = 1000;
  });
  s.add_alerts({1, 2, 3});
  test::set_bearer_token(s.clinician_token);
  const auto until = std::chrono::steady_clock::now() + seconds;
  std::atomic<int> answered{0}, refused_busy{0};
  std::vector<std::thread> flood;
  for (int i = 0; i < clients; ++i) {
    flood.emplace_back([&, i] {
      // Half aim at a real user, half at names that do not exist.
      std::string user = i % 2 == 0 ? "alice" : "nobody-" + std::to_string(i);
      while (std::chrono::steady_clock::now() < until) {
        auto res = test::http_request(s.port, "POST", "/api/v1/login",
                                      R"({"user":")" + user + R"(","password":"guess"})",
                                      std::chrono::seconds(20));
        if (res) ++answered;
        if (res && res->status == 503) ++refused_busy;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the flood is under way
  Probe p;
  probe(s.port, p, until);
  for (auto& t : flood) t.join();
  test::set_bearer_token("");
  MESSAGE("login flood: " << clients << " clients, " << seconds.count() << " s, " << answered.load()
                          << " logins answered (" << refused_busy.load()
                          << " 503 busy); /healthz p99 " << p99(p.healthz).count() << " ms of "
                          << p.healthz.size() << ", /api/v1/alerts p99 " << p99(p.alerts).count()
                          << " ms of " << p.alerts.size() << ", failed probes " << p.failed);
  CHECK(p.failed == 0);
  CHECK(p.healthz.size() >= 10);
  CHECK(p99(p.healthz) < std::chrono::milliseconds(50));
  CHECK(p99(p.alerts) < std::chrono::milliseconds(50));
}
