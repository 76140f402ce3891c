// Scale-out (DESIGN.md "Scale-out"): three kotona-server instances on one MQTT v5 shared
// subscription and one PostgreSQL database share the load; every reading is stored once and
// every alert raised once, also when one instance is killed mid-stream. Runs in the
// "[postgresql]" run of integration_test (an SQLite file is not shared between instances).
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "tests/integration/system.h"
#include "tests/support/store_location.h"

using namespace kotona::test;
using namespace std::chrono_literals;

namespace {
std::vector<std::string> measuring_script(int count, int gap_ms, int offset) {
  std::vector<std::string> script;
  for (int i = 0; i < count; ++i) {
    const int sys = 150 + (i * 11 + offset) % 50;  // every few a crisis (>= 180): alerts too
    script.insert(script.end(), {"measure", std::to_string(sys) + "/" + std::to_string(80 + i % 20) +
                                                "/" + std::to_string(60 + i),
                                 "wait", std::to_string(gap_ms)});
  }
  return script;
}
}  // namespace

TEST_CASE("scale-out: three servers, one shared subscription, one PostgreSQL -> each reading and "
          "alert once, load shared, one instance killed") {
  if (!testing_postgres()) {
    MESSAGE("scale-out needs a shared PostgreSQL store: runs in integration_test [postgresql]");
    return;
  }
  SystemUnderTest sys;
  sys.extra_gateway_config = "batch_max_readings = 1\n";  // many messages to share out
  sys.start_broker();
  const std::vector<std::string> serials{"BPSIM0001", "BPSIM0002", "BPSIM0003"};
  sys.start_server(serials);
  std::vector<int> ports{sys.http_port(), sys.start_peer_server(), sys.start_peer_server()};
  int offset = 0;
  for (const auto& serial : serials) {
    sys.start_device({serial, measuring_script(40, 60, offset += 7), {}});
  }
  sys.start_gateway();

  REQUIRE_MESSAGE(eventually([&] { return sys.server_reading_uids().size() >= 30; }, 60s),
                  sys.diagnostics());
  sys.kill_peer_server(1);  // kill -9 mid-stream: its unacked messages go to the others

  constexpr std::size_t kExpected = 3 * 40;
  REQUIRE_MESSAGE(eventually([&] { return sys.ledger_uids().size() == kExpected; }, 90s),
                  sys.diagnostics());
  REQUIRE_MESSAGE(eventually([&] { return sys.server_reading_uids().size() >= kExpected; }, 90s),
                  sys.diagnostics());
  auto stored = sys.server_reading_uids();
  for (const auto& uid : sys.ledger_uids()) CHECK_MESSAGE(stored[uid] == 1, uid);
  CHECK(stored.size() == kExpected);
  CHECK_MESSAGE(eventually([&] { return sys.outbox_rows() == 0; }, 30s), sys.diagnostics());

  // Load shared: the two surviving instances each stored readings.
  const long first = sys.server_counter(ports[0], "readings_stored");
  const long second = sys.server_counter(ports[1], "readings_stored");
  MESSAGE("readings stored by instance 1, 2: ", first, ", ", second);
  CHECK(first > 0);
  CHECK(second > 0);

  // Alerts: one per crossing reading and rule (ids are deterministic), and at most one OPEN
  // alert per patient, rule and priority (grouping under concurrent writers).
  auto alerts = sys.get_json_array("/api/v1/alerts?limit=1000");
  std::set<std::string> ids;
  std::map<std::string, int> open_groups;
  long crossings = 0;
  for (const auto& a : alerts) {
    const auto& o = a.as_object();
    CHECK(ids.insert(std::string(o.at("alert_id").as_string())).second);
    if (o.at("state").as_string() == "open") {
      ++open_groups[std::string(o.at("patient_id").as_string()) + "/" +
                    std::string(o.at("rule_id").as_string()) + "/" +
                    std::string(o.at("priority").as_string())];
    }
    crossings += o.at("crossings").to_number<long>();
  }
  for (const auto& [group, n] : open_groups) CHECK_MESSAGE(n == 1, group);
  long crisis_readings = 0;
  for (const auto& r : sys.get_json_array("/api/v1/readings?limit=1000")) {
    const auto& values = r.as_object().at("values").as_object();
    if (values.contains("systolic_mmhg") && values.at("systolic_mmhg").to_number<double>() >= 180) {
      ++crisis_readings;
    }
  }
  CHECK(crisis_readings > 0);
  CHECK(crossings == crisis_readings);  // every crisis reading counted once, none twice
}

namespace {
std::vector<std::string> ids_of(const std::vector<SseEvent>& events) {
  std::vector<std::string> ids;
  for (const auto& e : events) ids.push_back(e.id);
  return ids;
}
}  // namespace

TEST_CASE("scale-out: a clinician on one instance gets live, once and in id order, the alerts "
          "another instance ingested, and Last-Event-ID replay works across instances") {
  if (!testing_postgres()) {
    MESSAGE("needs a shared PostgreSQL store: runs in integration_test [postgresql]");
    return;
  }
  SystemUnderTest sys;
  sys.extra_gateway_config = "batch_max_readings = 1\n";  // one message per reading: shared out
  sys.start_broker();
  sys.start_server({"BPSIM0001"});
  const int a = sys.http_port();
  const int b = sys.start_peer_server();
  auto token_a = http_login(a, "admin", kTestPassword);  // tokens are per instance
  auto token_b = http_login(b, "admin", kTestPassword);
  REQUIRE(token_a);
  REQUIRE(token_b);
  set_bearer_token(*token_b);
  SseClient live_b(b, "/api/v1/stream");
  set_bearer_token(*token_a);
  SseClient live_a(a, "/api/v1/stream");
  REQUIRE(live_a.connected());
  REQUIRE(live_b.connected());

  constexpr std::size_t kReadings = 12;  // every one a crisis: each writes an alert event
  std::vector<std::string> script;
  for (std::size_t i = 0; i < kReadings; ++i) {
    script.insert(script.end(), {"measure", "185/115/" + std::to_string(70 + i), "wait", "150"});
  }
  sys.start_device({"BPSIM0001", script, {}});
  sys.start_gateway();
  REQUIRE_MESSAGE(eventually([&] { return sys.server_reading_uids().size() == kReadings; }, 60s),
                  sys.diagnostics());

  // Both instances ingested (and so committed alert events): each stream must carry the
  // other's too. Every event in the store, in id order: a full replay (Last-Event-ID 0).
  const long stored_a = sys.server_counter(a, "readings_stored");
  const long stored_b = sys.server_counter(b, "readings_stored");
  MESSAGE("readings stored by instance A, B: ", stored_a, ", ", stored_b);
  REQUIRE(stored_a > 0);
  REQUIRE(stored_b > 0);
  set_bearer_token(*token_b);
  SseClient everything(b, "/api/v1/stream", "0");
  const auto all = ids_of(everything.wait_for_events(kReadings, 10s));
  REQUIRE(all.size() >= kReadings);
  for (std::size_t i = 1; i < all.size(); ++i) CHECK(std::stol(all[i - 1]) < std::stol(all[i]));

  for (auto* live : {&live_a, &live_b}) {
    CHECK_MESSAGE(ids_of(live->wait_for_events(all.size(), 10s)) == all, sys.diagnostics());
    CHECK(live->wait_for_events(all.size() + 1, 1500ms).size() == all.size());  // none twice
  }

  // Replay from an id seen on one instance, asked of the other: exactly the rest.
  const std::size_t cut = all.size() / 2;
  SseClient replay_b(b, "/api/v1/stream", all[cut]);
  set_bearer_token(*token_a);
  SseClient replay_a(a, "/api/v1/stream", all[cut - 1]);
  const std::vector<std::string> rest_b(all.begin() + static_cast<long>(cut) + 1, all.end());
  const std::vector<std::string> rest_a(all.begin() + static_cast<long>(cut), all.end());
  CHECK(ids_of(replay_b.wait_for_events(rest_b.size() + 1, 2s)) == rest_b);
  CHECK(ids_of(replay_a.wait_for_events(rest_a.size() + 1, 2s)) == rest_a);
  MESSAGE("events read from the table by instance A, B: ", sys.server_counter(a, "sse_events_read"),
          ", ", sys.server_counter(b, "sse_events_read"));
}
