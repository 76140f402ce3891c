// Store faults (issue 22): the server store refusing writes. Three servers on one private
// PostgreSQL cluster through a terminated session, `pg_ctl restart -m immediate` and an outage
// (KOTONA_PG_OUTAGE_S seconds, 8 by default; the soak size is 30); one server whose SQLite
// store is on a full filesystem. Every case: nothing lost or duplicated, alerts once, the
// readiness probe says "not ready" while writes are refused, one store.unwritable system alert
// afterwards, and ingest resumes (PostgreSQL: within 5 s of the database being back).
#include <doctest/doctest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "tests/integration/system.h"
#include "tests/support/store_location.h"

using namespace kotona::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

int sh(const std::string& command) { return std::system(command.c_str()); }

// A private PostgreSQL cluster (tests/support/pg_cluster.sh), stopped at the end: the test
// restarts and stops it, so it must not be the shared fixture cluster.
struct PgCluster {
  explicit PgCluster(const std::filesystem::path& dir) : dir_(dir.string()) {
    started = run("start");
    std::ifstream(dir / "uri") >> uri;
  }
  ~PgCluster() { run("stop"); }
  bool run(const std::string& action) {
    return sh(std::string(KOTONA_SOURCE_DIR) + "/tests/support/pg_cluster.sh " + action + " " +
              dir_ + " >/dev/null") == 0;
  }
  std::string dir_;
  std::string uri;
  bool started = false;
};

std::chrono::seconds outage_length() {
  const char* s = std::getenv("KOTONA_PG_OUTAGE_S");
  return std::chrono::seconds(s ? std::atoi(s) : 8);
}

std::vector<std::string> measuring_script(int count, int gap_ms, int offset) {
  std::vector<std::string> script;
  for (int i = 0; i < count; ++i) {
    const int sys = 150 + (i * 11 + offset) % 50;  // every few a crisis (>= 180): alerts too
    script.insert(script.end(), {"measure",
                                 std::to_string(sys) + "/" + std::to_string(80 + i % 20) + "/" +
                                     std::to_string(60 + i),
                                 "wait", std::to_string(gap_ms)});
  }
  return script;
}

long summed(SystemUnderTest& sys, const std::vector<int>& ports, const std::string& counter) {
  long total = 0;
  for (int port : ports) total += std::max(0L, sys.server_counter(port, counter));
  return total;
}

// From now until the instances together commit another batch (ingest resumed).
std::optional<std::chrono::milliseconds> time_to_resume(SystemUnderTest& sys,
                                                        const std::vector<int>& ports) {
  const auto back = Clock::now();
  const long before = summed(sys, ports, "batches_stored");
  if (!eventually([&] { return summed(sys, ports, "batches_stored") > before; }, 30s)) {
    return std::nullopt;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - back);
}

bool all_ready(const std::vector<int>& ports, bool ready) {
  for (int port : ports) {
    auto res = http_get(port, "/healthz/ready");
    if (!res || (res->status == 200) != ready) return false;
  }
  return true;
}

// Every delivered reading stored once; alert ids unique, every crisis reading counted once,
// at most one open alert per group; returns the alerts.
boost::json::array check_exactly_once(SystemUnderTest& sys, std::size_t expected) {
  REQUIRE_MESSAGE(eventually([&] { return sys.ledger_uids().size() == expected; }, 90s),
                  sys.diagnostics());
  REQUIRE_MESSAGE(eventually([&] { return sys.server_reading_uids().size() >= expected; }, 90s),
                  sys.diagnostics());
  auto stored = sys.server_reading_uids();
  for (const auto& uid : sys.ledger_uids()) CHECK_MESSAGE(stored[uid] == 1, uid);
  CHECK(stored.size() == expected);
  auto alerts = sys.get_json_array("/api/v1/alerts?limit=1000");
  std::set<std::string> ids;
  std::map<std::string, int> open_groups;
  long crossings = 0;
  for (const auto& a : alerts) {
    const auto& o = a.as_object();
    CHECK(ids.insert(std::string(o.at("alert_id").as_string())).second);
    const std::string rule(o.at("rule_id").as_string());
    if (o.at("state").as_string() == "open") {
      ++open_groups[std::string(o.at("patient_id").as_string()) + "/" + rule + "/" +
                    std::string(o.at("priority").as_string())];
    }
    if (rule.starts_with("bp.")) crossings += o.at("crossings").to_number<long>();
  }
  for (const auto& [group, n] : open_groups) CHECK_MESSAGE(n == 1, group);
  long crisis = 0;
  for (const auto& r : sys.get_json_array("/api/v1/readings?limit=1000")) {
    const auto& values = r.as_object().at("values").as_object();
    if (values.contains("systolic_mmhg") && values.at("systolic_mmhg").to_number<double>() >= 180) {
      ++crisis;
    }
  }
  CHECK(crisis > 0);
  CHECK(crossings == crisis);
  return alerts;
}

long count_rule(const boost::json::array& alerts, std::string_view rule) {
  long n = 0;
  for (const auto& a : alerts) n += a.as_object().at("rule_id").as_string() == rule ? 1 : 0;
  return n;
}

// Ends the oldest session on the store's database: one instance's connection.
int terminate_one_session(const std::string& store_uri) {
  PGconn* conn = PQconnectdb(store_uri.c_str());
  PGresult* r = PQexec(conn,
                       "SELECT pg_terminate_backend(pid) FROM (SELECT pid FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                       "ORDER BY backend_start LIMIT 1) s");
  const int n = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) : -1;
  PQclear(r);
  PQfinish(conn);
  return n;
}

}  // namespace

TEST_CASE(
    "store faults: three servers on one PostgreSQL through a terminated session, "
    "restart -m immediate and an outage -> 0 lost, 0 duplicated, alerts and escalations "
    "once, not ready meanwhile, ingest back within 5 s") {
  if (testing_postgres()) {
    MESSAGE("brings its own PostgreSQL cluster (it restarts it): runs in integration_test");
    return;
  }
  SystemUnderTest sys;
  // The cluster runs as user postgres (pg_cluster.sh): it must reach its directory.
  std::filesystem::permissions(sys.dir().path(), std::filesystem::perms::others_exec,
                               std::filesystem::perm_options::add);
  PgCluster pg(sys.dir() / "pg");
  REQUIRE_MESSAGE(pg.started, "PostgreSQL server not installed (deploy/install-deps.sh)");
  ::setenv("KOTONA_TEST_POSTGRES", pg.uri.c_str(), 1);
  sys.set_store_location(test_store_location(sys.dir().path()));
  ::unsetenv("KOTONA_TEST_POSTGRES");
  // One reading per message, re-sent after 2 s unacked; crisis alerts escalate once (max tier
  // 1) 2 s after they are raised.
  sys.extra_gateway_config = "batch_max_readings = 1\nack_timeout_ms = 2000\n";
  sys.extra_server_config =
      "escalate_after_s = 2\nescalate_max_tier = 1\nescalation_check_ms = 300\n";
  sys.start_broker();
  const std::vector<std::string> serials{"BPSIM0001", "BPSIM0002", "BPSIM0003"};
  sys.start_server(serials);
  const std::vector<int> ports{sys.http_port(), sys.start_peer_server(), sys.start_peer_server()};
  REQUIRE(eventually([&] { return all_ready(ports, true); }, 10s));
  const auto outage = outage_length();
  const int per_device = 40 + static_cast<int>(outage.count()) * 3;  // measuring past the faults
  int offset = 0;
  for (const auto& serial : serials) {
    sys.start_device({serial, measuring_script(per_device, 250, offset += 7), {}});
  }
  sys.start_gateway();
  REQUIRE_MESSAGE(eventually([&] { return summed(sys, ports, "batches_stored") >= 10; }, 60s),
                  sys.diagnostics());

  // 1. One instance's session ended by the database (pg_terminate_backend).
  CHECK(terminate_one_session(sys.store_location()) == 1);
  auto resumed = time_to_resume(sys, ports);
  REQUIRE_MESSAGE(resumed, sys.diagnostics());
  CHECK(eventually([&] { return summed(sys, ports, "store_outages") >= 1; }, 10s));

  // 2. PostgreSQL restarted without a clean shutdown, under load.
  REQUIRE(pg.run("restart-immediate"));
  resumed = time_to_resume(sys, ports);
  REQUIRE_MESSAGE(resumed, sys.diagnostics());
  MESSAGE("ingest resumed ", resumed->count(), " ms after restart -m immediate returned");
  CHECK(*resumed < 5s);

  // 3. PostgreSQL down for `outage`: every instance says not ready meanwhile.
  REQUIRE(pg.run("halt"));
  const auto down = Clock::now();
  CHECK_MESSAGE(eventually([&] { return all_ready(ports, false); }, 5s), sys.diagnostics());
  auto res = http_get(ports[1], "/healthz/ready");
  REQUIRE(res);
  CHECK(res->body.starts_with("not ready: store refuses writes"));
  CHECK(http_get(ports[1], "/healthz")->status == 200);  // alive all the same
  std::this_thread::sleep_until(down + outage);
  REQUIRE(pg.run("resume"));
  resumed = time_to_resume(sys, ports);
  REQUIRE_MESSAGE(resumed, sys.diagnostics());
  MESSAGE("ingest resumed ", resumed->count(), " ms after a ", outage.count(), " s outage ended");
  CHECK(*resumed < 5s);
  CHECK(eventually([&] { return all_ready(ports, true); }, 10s));

  auto alerts = check_exactly_once(sys, serials.size() * static_cast<std::size_t>(per_device));
  // The outage's system alert: raised when writes worked again, grouped across instances.
  CHECK(eventually(
      [&] {
        return count_rule(sys.get_json_array("/api/v1/alerts?limit=1000"), "store.unwritable") >= 1;
      },
      10s));
  // Escalations once: each high alert escalated to tier 1 by exactly one instance.
  std::this_thread::sleep_for(3s);
  long escalated = 0;
  for (const auto& a : sys.get_json_array("/api/v1/alerts?limit=1000")) {
    const auto& o = a.as_object();
    // Every high alert escalates, store.unwritable too.
    escalated += o.at("escalation_tier").to_number<long>() >= 1 ? 1 : 0;
    CHECK(o.at("escalation_tier").to_number<long>() <= 1);
  }
  CHECK(escalated > 0);
  CHECK(summed(sys, ports, "alerts_escalated") == escalated);
  MESSAGE("store outages seen by the instances: ", summed(sys, ports, "store_outages"),
          ", escalations: ", escalated);
}

namespace {
// A tmpfs of `size` on `dir` (root only), lazily unmounted at the end.
struct SmallFilesystem {
  SmallFilesystem(const std::filesystem::path& dir, const std::string& size) : dir_(dir) {
    std::filesystem::create_directories(dir);
    mounted = ::geteuid() == 0 &&
              sh("mount -t tmpfs -o size=" + size + " kotona-test " + dir.string()) == 0;
  }
  ~SmallFilesystem() {
    if (mounted) sh("umount -l " + dir_.string());
  }
  void fill() { sh("dd if=/dev/zero of=" + (dir_ / "filler").string() + " bs=4k 2>/dev/null"); }
  void free_space() { std::filesystem::remove(dir_ / "filler"); }
  std::filesystem::path dir_;
  bool mounted = false;
};
}  // namespace

TEST_CASE(
    "store faults: the SQLite store's filesystem full -> not ready while it lasts, one "
    "store.unwritable alert after, ingest resumes, 0 lost, 0 duplicated") {
  if (testing_postgres()) {
    MESSAGE("an SQLite store on a small filesystem: runs in integration_test");
    return;
  }
  SystemUnderTest sys;
  SmallFilesystem fs(sys.dir() / "small", "8m");
  if (!fs.mounted) {
    MESSAGE("needs root to mount a tmpfs: skipped");
    return;
  }
  sys.set_store_location((fs.dir_ / "server.db").string());
  sys.extra_gateway_config = "batch_max_readings = 1\nack_timeout_ms = 2000\n";
  sys.start_broker();
  const std::vector<std::string> serials{"BPSIM0001", "BPSIM0002"};
  sys.start_server(serials);
  const std::vector<int> ports{sys.http_port()};
  REQUIRE(eventually([&] { return all_ready(ports, true); }, 10s));
  constexpr int kPerDevice = 50;
  int offset = 0;
  for (const auto& serial : serials) {
    sys.start_device({serial, measuring_script(kPerDevice, 250, offset += 7), {}});
  }
  sys.start_gateway();
  REQUIRE_MESSAGE(eventually([&] { return summed(sys, ports, "batches_stored") >= 5; }, 60s),
                  sys.diagnostics());

  fs.fill();
  CHECK_MESSAGE(eventually([&] { return all_ready(ports, false); }, 10s), sys.diagnostics());
  auto res = http_get(ports[0], "/healthz/ready");
  REQUIRE(res);
  MESSAGE("while full: ", res->body);
  CHECK(res->body.starts_with("not ready: store refuses writes"));
  CHECK(http_get(ports[0], "/healthz")->status == 200);
  std::this_thread::sleep_for(4s);  // batches keep failing meanwhile: nothing acked
  const long failed = sys.server_counter(ports[0], "store_error");
  CHECK(failed > 0);

  fs.free_space();
  auto resumed = time_to_resume(sys, ports);
  REQUIRE_MESSAGE(resumed, sys.diagnostics());
  MESSAGE("ingest resumed ", resumed->count(),
          " ms after space returned; store errors while "
          "full: ",
          failed);
  CHECK(eventually([&] { return all_ready(ports, true); }, 10s));
  auto alerts = check_exactly_once(sys, serials.size() * kPerDevice);
  CHECK(eventually(
      [&] {
        return count_rule(sys.get_json_array("/api/v1/alerts?limit=1000"), "store.unwritable") == 1;
      },
      10s));
  CHECK(sys.server_counter(ports[0], "store_outages") >= 1);
}
