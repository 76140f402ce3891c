// The live points of the report: readings at a fixed rate through real meters (latency, cost)
// and from feed hubs (cost at 1k and 5k/s). Medians over runs, like the drain table.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>
#include <sstream>

#include "bench/report.h"

namespace kotona::bench {
namespace {

template <typename R>
std::optional<double> median_of(const std::vector<R>& runs, std::function<double(const R&)> f) {
  std::vector<double> v;
  for (const auto& run : runs) {
    if (run.complete && f(run) >= 0) v.push_back(f(run));
  }
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string fmt(std::optional<double> v, const char* f = "%.1f") {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, f, *v);
  return buf;
}

template <typename R>
long ok_count(const std::vector<R>& runs) {
  return std::count_if(runs.begin(), runs.end(), [](const R& r) { return r.complete; });
}

void rate_table(const Report& r, std::ostringstream& out) {
  out << "\n## Live readings through real meters (astm-bp on ptys -> hub -> broker -> server -> "
         "SSE)\n\nLatency per alert event, ms (hub receive -> server receive -> the bench reads "
         "the event); cost per reading over the run.\n\n"
         "| rate | runs ok | delivered/s | alerts | hub->SSE p50 | p99 | max | hub->server p99 "
         "| server->SSE p99 | one commit p50 / p99 | hub CPU µs | server CPU µs | broker CPU µs | "
         "hub RSS MB "
         "| server RSS MB | broker RSS MB |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|"
         "---|---|---|\n";
  for (const auto& rr : r.rates) {
    auto m = [&](std::function<double(const RateResult&)> f) { return median_of(rr.runs, f); };
    out << "| " << rate_label(rr.point) << " | " << ok_count(rr.runs) << "/" << rr.runs.size()
        << " | " << fmt(m([](auto& x) { return x.achieved_per_s; })) << " | "
        << fmt(m([](auto& x) { return double(x.hub_to_sse.n); }), "%.0f") << " | "
        << fmt(m([](auto& x) { return x.hub_to_sse.p50; })) << " | "
        << fmt(m([](auto& x) { return x.hub_to_sse.p99; })) << " | "
        << fmt(m([](auto& x) { return x.hub_to_sse.max; })) << " | "
        << fmt(m([](auto& x) { return x.hub_to_server.p99; })) << " | "
        << fmt(m([](auto& x) { return x.server_to_sse.p99; })) << " | "
        << fmt(m([](auto& x) { return x.commit.p50; })) << " / "
        << fmt(m([](auto& x) { return x.commit.p99; })) << " | "
        << fmt(m([](auto& x) { return x.hub_cpu_us; }), "%.0f") << " | "
        << fmt(m([](auto& x) { return x.server_cpu_us; }), "%.0f") << " | "
        << fmt(m([](auto& x) { return x.broker_cpu_us; }), "%.0f") << " | "
        << fmt(m([](auto& x) { return x.hub_rss_mb; })) << " | "
        << fmt(m([](auto& x) { return x.server_rss_mb; })) << " | "
        << fmt(m([](auto& x) { return x.broker_rss_mb; })) << " |\n";
  }
}

void feed_table(const Report& r, std::ostringstream& out) {
  out << "\n## Live readings at a fixed total rate (feed hubs: Outbox + Uplink, one commit per "
         "reading)\n\n| rate | runs ok | stored s | hub CPU µs/reading (all hubs) | server CPU "
         "µs | broker CPU µs | hub RSS MB | server RSS MB | broker RSS MB | re-sent |\n"
         "|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& fr : r.feeds) {
    auto m = [&](std::function<double(const FeedResult&)> f) { return median_of(fr.runs, f); };
    out << "| " << feed_label(fr.point) << " | " << ok_count(fr.runs) << "/" << fr.runs.size()
        << " | " << fmt(m([](auto& x) { return x.stored_s; }), "%.2f") << " | "
        << fmt(m([](auto& x) { return x.hub_cpu_us; }), "%.0f") << " | "
        << fmt(m([](auto& x) { return x.server_cpu_us; }), "%.0f") << " | "
        << fmt(m([](auto& x) { return x.broker_cpu_us; }), "%.0f") << " | "
        << fmt(m([](auto& x) { return x.hub_rss_mb; })) << " | "
        << fmt(m([](auto& x) { return x.server_rss_mb; })) << " | "
        << fmt(m([](auto& x) { return x.broker_rss_mb; })) << " | "
        << fmt(m([](auto& x) { return double(x.resent); }), "%.0f") << " |\n";
  }
}

void hubs_table(const Report& r, std::ostringstream& out) {
  out << "\n## Many hubs connected (raw MQTT 3.1.1 connections, heartbeat = GatewayStatus, QoS "
         "0; technical check every second)\n\n| point | runs ok | connect s | heartbeats | server "
         "CPU µs/heartbeat | server CPU µs/tick, no hub | with every hub known | broker RSS MB "
         "| server RSS MB |\n|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& hr : r.hubs) {
    auto m = [&](std::function<double(const HubsResult&)> f) { return median_of(hr.runs, f); };
    out << "| " << hubs_label(hr.point) << " | " << ok_count(hr.runs) << "/" << hr.runs.size()
        << " | " << fmt(m([](auto& x) { return x.connect_s; }), "%.2f") << " | "
        << fmt(m([](auto& x) { return double(x.heartbeats); }), "%.0f") << " | "
        << fmt(m([](auto& x) { return x.server_cpu_us_per_heartbeat; }), "%.0f") << " | "
        << fmt(m([](auto& x) { return x.tick_cpu_us_empty; }), "%.0f") << " | "
        << fmt(m([](auto& x) { return x.tick_cpu_us_known; }), "%.0f") << " | "
        << fmt(m([](auto& x) { return x.broker_rss_mb; })) << " | "
        << fmt(m([](auto& x) { return x.server_rss_mb; })) << " |\n";
  }
}

// Issue 15's latency gate: hub -> SSE p99 < 10 ms at 20 readings/s (one meter told to measure
// every 50 ms; it reaches 15-17/s, the transfer takes its own time).
std::optional<double> latency_gate_value(const Report& r) {
  for (const auto& rr : r.rates) {
    if (rr.point.meters * rr.point.per_meter_per_s != 20) continue;
    return median_of<RateResult>(rr.runs, [](auto& x) { return x.hub_to_sse.p99; });
  }
  return std::nullopt;
}

}  // namespace

std::string live_markdown(const Report& r) {
  if (r.rates.empty() && r.feeds.empty() && r.hubs.empty()) return "";
  std::ostringstream out;
  if (!r.rates.empty()) rate_table(r, out);
  if (!r.feeds.empty()) feed_table(r, out);
  if (!r.hubs.empty()) hubs_table(r, out);
  const auto gate = latency_gate_value(r);
  out << "\nGate: hub -> SSE p99 at 20 readings/s " << fmt(gate) << " ms, want < 10: "
      << (!gate        ? "not run"
          : *gate < 10 ? "PASS"
                       : "FAIL")
      << "\n";
  for (const auto& rr : r.rates) {
    for (const auto& run : rr.runs) {
      if (!run.complete)
        out << "\nIncomplete " << rate_label(rr.point) << ": " << run.failure.substr(0, 300)
            << "\n";
    }
  }
  for (const auto& fr : r.feeds) {
    for (const auto& run : fr.runs) {
      if (!run.complete)
        out << "\nIncomplete " << feed_label(fr.point) << ": " << run.failure.substr(0, 300)
            << "\n";
    }
  }
  for (const auto& hr : r.hubs) {
    for (const auto& run : hr.runs) {
      if (!run.complete)
        out << "\nIncomplete " << hubs_label(hr.point) << ": " << run.failure.substr(0, 300)
            << "\n";
    }
  }
  return out.str();
}

namespace {

std::string spread_json(const Spread& s) {
  return "{\"p50\":" + std::to_string(s.p50) + ",\"p99\":" + std::to_string(s.p99) +
         ",\"max\":" + std::to_string(s.max) + ",\"n\":" + std::to_string(s.n) + "}";
}

std::string cost_json(double hub_cpu, double server_cpu, double broker_cpu, double hub_rss,
                      double server_rss, double broker_rss) {
  std::ostringstream out;
  out << "\"cpu_us_per_reading\":{\"hub\":" << hub_cpu << ",\"server\":" << server_cpu
      << ",\"broker\":" << broker_cpu << "},\"peak_rss_mb\":{\"hub\":" << hub_rss
      << ",\"server\":" << server_rss << ",\"broker\":" << broker_rss << "}";
  return out.str();
}

void rates_json(const Report& r, std::ostringstream& out) {
  bool first = true;
  for (const auto& rr : r.rates) {
    for (const auto& x : rr.runs) {
      out << (first ? "" : ",") << "{\"meters\":" << rr.point.meters
          << ",\"per_meter_per_s\":" << rr.point.per_meter_per_s
          << ",\"complete\":" << (x.complete ? "true" : "false") << ",\"delivered\":" << x.delivered
          << ",\"hub_to_sse_ms\":" << spread_json(x.hub_to_sse)
          << ",\"hub_to_server_ms\":" << spread_json(x.hub_to_server)
          << ",\"server_to_sse_ms\":" << spread_json(x.server_to_sse)
          << ",\"commit_ms\":" << spread_json(x.commit) << ","
          << cost_json(x.hub_cpu_us, x.server_cpu_us, x.broker_cpu_us, x.hub_rss_mb,
                       x.server_rss_mb, x.broker_rss_mb)
          << "}";
      first = false;
    }
  }
}

void feeds_json(const Report& r, std::ostringstream& out) {
  bool first = true;
  for (const auto& fr : r.feeds) {
    for (const auto& x : fr.runs) {
      out << (first ? "" : ",") << "{\"hubs\":" << fr.point.hubs << ",\"per_s\":" << fr.point.per_s
          << ",\"complete\":" << (x.complete ? "true" : "false") << ",\"readings\":" << x.readings
          << ",\"stored_s\":" << x.stored_s << ","
          << cost_json(x.hub_cpu_us, x.server_cpu_us, x.broker_cpu_us, x.hub_rss_mb,
                       x.server_rss_mb, x.broker_rss_mb)
          << ",\"resent\":" << x.resent << "}";
      first = false;
    }
  }
}

void hubs_json(const Report& r, std::ostringstream& out) {
  bool first = true;
  for (const auto& hr : r.hubs) {
    for (const auto& x : hr.runs) {
      out << (first ? "" : ",") << "{\"hubs\":" << hr.point.hubs
          << ",\"heartbeat_s\":" << hr.point.heartbeat_s
          << ",\"complete\":" << (x.complete ? "true" : "false") << ",\"connected\":" << x.connected
          << ",\"connect_s\":" << x.connect_s << ",\"heartbeats\":" << x.heartbeats
          << ",\"server_cpu_us_per_heartbeat\":" << x.server_cpu_us_per_heartbeat
          << ",\"tick_cpu_us_empty\":" << x.tick_cpu_us_empty
          << ",\"tick_cpu_us_known\":" << x.tick_cpu_us_known
          << ",\"broker_rss_mb\":" << x.broker_rss_mb << ",\"server_rss_mb\":" << x.server_rss_mb
          << "}";
      first = false;
    }
  }
}

}  // namespace

std::string live_json(const Report& r) {
  std::ostringstream out;
  out << ",\"rates\":[";
  rates_json(r, out);
  out << "],\"feeds\":[";
  feeds_json(r, out);
  out << "],\"hubs\":[";
  hubs_json(r, out);
  out << "]";
  return out.str();
}

}  // namespace kotona::bench
