#include "bench/latency.h"

#include <sqlite3.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <exception>
#include <limits>
#include <map>

#include "bench/fleet_parts.h"
#include "bench/procfs.h"
#include "tests/integration/system.h"
#include "tests/support/http_client.h"

namespace kotona::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace json = boost::json;

// "2026-12-06T10:00:00.123Z" (the API's iso8601) -> ms since the epoch; -1 when malformed.
double iso_ms(std::string_view text) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(std::string(text).c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year,
                  &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7) {
    return -1;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(timegm(&tm)) * 1000.0 + ms;
}

double wall_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(t.time_since_epoch()).count();
}

struct Cpu {
  double hub = 0, server = 0, broker = 0;
};
Cpu cpu_now(test::SystemUnderTest& sys) {
  return {cpu_us(sys.gateway_pid()), cpu_us(sys.server_pid()), cpu_us(sys.broker().pid())};
}

// reading uid -> hub time (ms) for every enrolled patient's newest readings (API, limit 10000).
std::map<std::string, double> hub_times(test::SystemUnderTest& sys, int patients) {
  std::map<std::string, double> out;
  for (int n = 1; n <= patients; ++n) {
    auto rows = sys.get_json_array("/api/v1/readings?patient=patient-" + std::to_string(n) +
                                   "&limit=10000");
    for (const auto& row : rows) {
      const auto& o = row.as_object();
      out[std::string(o.at("reading_uid").as_string())] = iso_ms(o.at("hub_time").as_string());
    }
  }
  return out;
}

// The three spreads from the alert events the bench read off the stream.
void time_alerts(const std::vector<test::SseEvent>& events,
                 const std::map<std::string, double>& hub_ms, RateResult& out) {
  std::vector<double> hub_sse, hub_server, server_sse;
  for (const auto& ev : events) {
    if (ev.event != "alert") continue;
    auto parsed = json::parse(ev.data).as_object();
    auto hub = hub_ms.find(std::string(parsed.at("last_reading_uid").as_string()));
    double server = iso_ms(parsed.at("last_at").as_string());
    if (hub == hub_ms.end() || hub->second < 0 || server < 0) continue;
    double seen = wall_ms(ev.arrived);
    hub_sse.push_back(seen - hub->second);
    hub_server.push_back(server - hub->second);
    server_sse.push_back(seen - server);
  }
  out.hub_to_sse = spread_of(hub_sse);
  out.hub_to_server = spread_of(hub_server);
  out.server_to_sse = spread_of(server_sse);
}

// readings_stored, with the admin token start_server() set.
long stored(test::SystemUnderTest& sys) { return metric_now(sys.http_port(), "readings_stored"); }

// 200 commits of one 300-byte row each in a fresh WAL database under `dir` (synchronous=FULL,
// as the hub's outbox and the server's store): the floor of each of the path's two commits.
Spread commit_floor(const std::filesystem::path& dir) {
  sqlite3* db = nullptr;
  std::vector<double> ms;
  if (sqlite3_open((dir / "commit-floor.db").string().c_str(), &db) == SQLITE_OK &&
      sqlite3_exec(db,
                   "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                   "CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB)",
                   nullptr, nullptr, nullptr) == SQLITE_OK) {
    for (int i = 0; i < 200; ++i) {
      const auto t0 = Clock::now();
      sqlite3_exec(db, "INSERT INTO t(body) VALUES(zeroblob(300))", nullptr, nullptr, nullptr);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
  }
  sqlite3_close(db);
  return spread_of(ms);
}

std::string serial_of(int i) { return "BENCHBP" + std::to_string(1000 + i); }

void measure(test::SystemUnderTest& sys, const RatePoint& p, RateResult& out) {
  std::vector<std::string> serials;
  for (int i = 0; i < p.meters; ++i) serials.push_back(serial_of(i));
  sys.start_broker();
  sys.start_server(serials);
  test::SseClient sse(sys.http_port(), "/api/v1/stream");
  if (!sse.connected()) throw std::runtime_error("no SSE stream");
  const int interval_ms = std::max(1, 1000 / p.per_meter_per_s);
  for (const auto& s : serials) sys.start_device({s, {"loop", std::to_string(interval_ms)}, {}});
  sys.start_gateway();
  const Cpu before = cpu_now(sys);
  sse.wait_for_events(std::numeric_limits<std::size_t>::max(), std::chrono::seconds(p.seconds));
  for (const auto& s : serials) sys.stop_device(s);
  out.delivered = static_cast<long>(sys.ledger_uids().size());
  out.achieved_per_s = static_cast<double>(out.delivered) / p.seconds;
  const auto drained_by = Clock::now() + 60s;
  while (Clock::now() < drained_by && stored(sys) < out.delivered) {
    sse.wait_for_events(std::numeric_limits<std::size_t>::max(), 200ms);
  }
  sse.wait_for_events(std::numeric_limits<std::size_t>::max(), 500ms);  // the last events
  const Cpu after = cpu_now(sys);
  const double n = static_cast<double>(std::max(1L, out.delivered));
  out.hub_cpu_us = (after.hub - before.hub) / n;
  out.server_cpu_us = (after.server - before.server) / n;
  out.broker_cpu_us = (after.broker - before.broker) / n;
  out.hub_rss_mb = peak_rss_mb(sys.gateway_pid());
  out.server_rss_mb = peak_rss_mb(sys.server_pid());
  out.broker_rss_mb = peak_rss_mb(sys.broker().pid());
  out.complete = stored(sys) >= out.delivered;
  if (!out.complete) out.failure = "not every delivered reading was stored\n" + sys.diagnostics();
  time_alerts(sse.events(), hub_times(sys, p.meters), out);
  out.commit = commit_floor(sys.dir().path());
}

}  // namespace

Spread spread_of(std::vector<double> samples) {
  Spread s;
  s.n = samples.size();
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size()))) - 1;
    return samples[std::min(i, samples.size() - 1)];
  };
  s.p50 = at(0.50);
  s.p99 = at(0.99);
  s.max = samples.back();
  return s;
}

std::string rate_label(const RatePoint& p) {
  return std::to_string(p.meters) + (p.meters == 1 ? " meter" : " meters") + " x 1 every " +
         std::to_string(std::max(1, 1000 / p.per_meter_per_s)) + " ms";
}

RateResult run_rate(const RatePoint& point) {
  RateResult out;
  try {
    test::SystemUnderTest sys("gw-bench-rate");
    measure(sys, point, out);
  } catch (const std::exception& e) {
    out.complete = false;
    out.failure = e.what();
  }
  return out;
}

}  // namespace kotona::bench
