#include "bench/report.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>
#include <sstream>

namespace kotona::bench {

namespace {

// Median of `f` over the complete runs; nullopt when no run completed.
std::optional<double> median(const std::vector<DrainResult>& runs,
                             const std::function<double(const DrainResult&)>& f) {
  std::vector<double> v;
  for (const auto& r : runs) {
    if (r.complete) v.push_back(f(r));
  }
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::optional<double> ceiling_median(const Report& r) {
  std::vector<double> v;
  for (const auto& c : r.ceiling) {
    if (c.complete) v.push_back(c.msgs_per_s);
  }
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

long total(const DrainPoint& p) { return long{p.hubs} * p.readings_per_hub; }

std::optional<double> rate(const PointRuns& pr) {
  auto s = median(pr.runs, [](const DrainResult& r) { return r.rows_s; });
  if (!s) return std::nullopt;
  return static_cast<double>(total(pr.point)) / *s;
}

const PointRuns* find(const Report& r, const std::string& store, const std::string& shape) {
  for (const auto& pr : r.drains) {
    if (pr.point.store == store && shape_of(pr.point) == shape) return &pr;
  }
  return nullptr;
}

// A figure the run did not measure (-1) shows as "-".
std::optional<double> known(std::optional<double> v) { return v && *v >= 0 ? v : std::nullopt; }

std::string fmt(std::optional<double> v, const char* f = "%.1f") {
  if (!v) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, f, *v);
  return buf;
}

struct Gate {
  std::string name;
  std::optional<double> value;
  std::string want;  // e.g. ">= 0.8"
  bool pass = false;
};

std::optional<double> ratio(std::optional<double> a, std::optional<double> b) {
  if (!a || !b || *b == 0) return std::nullopt;
  return *a / *b;
}

Gate at_least(std::string name, std::optional<double> v, double limit) {
  return {std::move(name), v, ">= " + fmt(limit, "%.2g"), v && *v >= limit};
}
Gate at_most(std::string name, std::optional<double> v, double limit, const char* f = "%.2g") {
  return {std::move(name), v, "<= " + fmt(limit, f), v && *v <= limit};
}

// Hub bytes written per reading over a reading's life (wear.h): the append, measured alone,
// plus the drain's deletes, the median of the first one-hub SQLite point.
struct Wear {
  std::optional<double> append, drain, total;
  std::string shape;
};
Wear wear_of(const Report& r) {
  Wear w;
  if (r.wear.measured) w.append = r.wear.write_bytes_per_reading;
  for (const auto& pr : r.drains) {
    if (pr.point.store != "sqlite" || pr.point.hubs != 1) continue;
    w.drain = median(pr.runs, [](const DrainResult& d) { return d.hub_write_bytes_per_reading; });
    if (w.drain && *w.drain < 0) w.drain.reset();
    w.shape = shape_of(pr.point);
    break;
  }
  if (w.append && w.drain) w.total = *w.append + *w.drain;
  return w;
}

// The server's resident set after its 10-day export, the largest over every point's median.
std::optional<double> largest_export_rss(const Report& r) {
  std::optional<double> out;
  for (const auto& pr : r.drains) {
    auto v = median(pr.runs, [](const DrainResult& d) { return d.export_rss_mb; });
    if (v && *v >= 0 && (!out || *v > *out)) out = v;
  }
  return out;
}

// The issue-15 gates this bench can compute; a gate whose points were not run shows "-".
std::vector<Gate> gates(const Report& r) {
  auto ceil = ceiling_median(r);
  auto rate_of = [&](const char* store, const char* shape) -> std::optional<double> {
    const auto* pr = find(r, store, shape);
    return pr ? rate(*pr) : std::nullopt;
  };
  auto field = [&](const char* store, const char* shape, auto f) -> std::optional<double> {
    const auto* pr = find(r, store, shape);
    return pr ? median(pr->runs, f) : std::nullopt;
  };
  auto per_reading = [&](const char* shape) {
    auto rt = rate_of("sqlite", shape);
    return rt ? std::optional<double>(1.0 / *rt) : std::nullopt;
  };
  long resent = 0;
  bool any = false;
  for (const auto& pr : r.drains) {
    if (pr.point.store == "null" || pr.point.store == "node") continue;
    for (const auto& run : pr.runs) resent += run.resent, any = true;
  }
  return {
      at_least("drain one hub (1x100000, SQLite) / broker ceiling",
               ratio(rate_of("sqlite", "1x100000"), ceil), 0.8),
      at_least("drain many hubs (10x10000, SQLite) / broker ceiling",
               ratio(rate_of("sqlite", "10x10000"), ceil), 0.8),
      at_most("re-sent readings while the server is healthy (all runs)",
              any ? std::optional<double>(resent) : std::nullopt, 0),
      at_most("cost per reading at 100k / at 10k (one hub, SQLite)",
              ratio(per_reading("1x100000"), per_reading("1x10000")), 1.5),
      at_least("PostgreSQL / SQLite drain rate (1x100000)",
               ratio(rate_of("postgresql", "1x100000"), rate_of("sqlite", "1x100000")), 0.7),
      at_most("hub peak RSS MB draining 100k",
              field("sqlite", "1x100000", [](const DrainResult& d) { return d.hub_rss_mb; }), 16),
      at_most(
          "server CPU per reading / null ingest's (1x100000)",
          ratio(field("sqlite", "1x100000", [](const DrainResult& d) { return d.ingest_cpu_us; }),
                field("null", "1x100000", [](const DrainResult& d) { return d.ingest_cpu_us; })),
          2),
      at_most(
          "range query of one day at 1M rows / at 10k (one patient, SQLite)",
          ratio(field("sqlite", "1x1000000", [](const DrainResult& d) { return d.query_day_ms; }),
                field("sqlite", "1x10000", [](const DrainResult& d) { return d.query_day_ms; })),
          2),
      at_most("server RSS MB right after a 10-day FHIR export (largest)", largest_export_rss(r),
              64),
      at_most("hub flash writes per reading appended, bytes (issue 22)", wear_of(r).append,
              kAppendBudgetBytesPerReading, "%.0f"),
      at_most("hub flash writes per reading drained, bytes (issue 22)", wear_of(r).drain,
              kDrainBudgetBytesPerReading, "%.0f"),
  };
}

}  // namespace

std::string shape_of(const DrainPoint& p) {
  return std::to_string(p.hubs) + "x" + std::to_string(p.readings_per_hub);
}

std::string markdown(const Report& r) {
  std::ostringstream out;
  auto ceil = ceiling_median(r);
  out << "# Kotona bench (" << r.size << ")\n\n"
      << r.machine << "\n\n"
      << "Broker QoS 1 ceiling (median of " << r.ceiling.size() << "): " << fmt(ceil, "%.0f")
      << " msg/s\n\n"
      << "| store | hubs x readings | runs ok | rows s | readings/s | / ceiling | outbox empty s "
         "| re-sent | ingest CPU µs/reading | hub RSS MB | ingest RSS MB | broker RSS MB "
         "| hub write B/reading | day query ms | 10-day export ms | RSS after export MB |\n"
      << "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& pr : r.drains) {
    auto m = [&](auto f) { return median(pr.runs, f); };
    long ok = std::count_if(pr.runs.begin(), pr.runs.end(), [](auto& d) { return d.complete; });
    out << "| " << pr.point.store << " | " << shape_of(pr.point) << " | " << ok << "/"
        << pr.runs.size() << " | " << fmt(m([](auto& d) { return d.rows_s; }), "%.2f") << " | "
        << fmt(rate(pr), "%.0f") << " | " << fmt(ratio(rate(pr), ceil), "%.2f") << " | "
        << fmt(m([](auto& d) { return d.empty_s; }), "%.2f") << " | "
        << fmt(m([](auto& d) { return double(d.resent); }), "%.0f") << " | "
        << fmt(m([](auto& d) { return d.ingest_cpu_us; })) << " | "
        << fmt(m([](auto& d) { return d.hub_rss_mb; })) << " | "
        << fmt(m([](auto& d) { return d.ingest_rss_mb; })) << " | "
        << fmt(m([](auto& d) { return d.broker_rss_mb; })) << " | "
        << fmt(m([](auto& d) { return d.hub_write_bytes_per_reading; }), "%.0f") << " | "
        << fmt(known(m([](auto& d) { return d.query_day_ms; }))) << " | "
        << fmt(known(m([](auto& d) { return d.export_ms; })), "%.0f") << " | "
        << fmt(known(m([](auto& d) { return d.export_rss_mb; }))) << " |\n";
  }
  const auto* ours = find(r, "sqlite", "1x100000");
  const auto* node = find(r, "node", "1x100000");
  if (ours && node) {
    out << "\nOutside ratio (1x100000): kotona-server on SQLite / the Node peer (mqtt.js + "
           "better-sqlite3, same durability, no clinical work), readings/s: "
        << fmt(ratio(rate(*ours), rate(*node)), "%.2f") << "\n";
  }
  const Wear w = wear_of(r);
  out << "\nFlash wear (hub storage, /proc write_bytes): append " << fmt(w.append, "%.0f")
      << " B/reading (" << r.wear.readings << " readings, one per commit, with its record row), "
      << "drain " << fmt(w.drain, "%.0f") << " B/reading (" << (w.shape.empty() ? "-" : w.shape)
      << " SQLite, deletes after acks + checkpoints), total " << fmt(w.total, "%.0f")
      << " B/reading" << (r.wear.measured ? "" : " (append not measured: " + r.wear.failure + ")")
      << "\n";
  out << "\n## Gates (issues 15 and 22; timed gates reported, not asserted; flash-wear gates "
         "asserted)\n\n| gate | value | want | "
         "|\n|---|---|---|---|\n";
  for (const auto& g : gates(r)) {
    out << "| " << g.name << " | " << fmt(g.value, "%.2f") << " | " << g.want << " | "
        << (!g.value ? "not run"
            : g.pass ? "PASS"
                     : "FAIL")
        << " |\n";
  }
  for (const auto& pr : r.drains) {
    for (const auto& run : pr.runs) {
      if (run.complete && !run.failure.empty()) {
        out << "\nNot measured in " << pr.point.store << " " << shape_of(pr.point) << ": "
            << run.failure << "\n";
      }
      if (!run.complete)
        out << "\nIncomplete " << pr.point.store << " " << shape_of(pr.point) << ": "
            << run.failure.substr(0, 300) << "\n";
    }
  }
  out << live_markdown(r);
  return out.str();
}

std::string json(const Report& r) {
  std::ostringstream out;
  out << "{\"size\":\"" << r.size << "\",\"ceiling_msgs_per_s\":[";
  for (std::size_t i = 0; i < r.ceiling.size(); ++i) {
    out << (i ? "," : "") << r.ceiling[i].msgs_per_s;
  }
  out << "],\"drains\":[";
  bool first = true;
  for (const auto& pr : r.drains) {
    for (const auto& d : pr.runs) {
      out << (first ? "" : ",") << "{\"store\":\"" << pr.point.store
          << "\",\"hubs\":" << pr.point.hubs
          << ",\"readings_per_hub\":" << pr.point.readings_per_hub
          << ",\"complete\":" << (d.complete ? "true" : "false") << ",\"rows_s\":" << d.rows_s
          << ",\"empty_s\":" << d.empty_s << ",\"resent\":" << d.resent
          << ",\"ingest_cpu_us_per_reading\":" << d.ingest_cpu_us
          << ",\"hub_rss_mb\":" << d.hub_rss_mb << ",\"ingest_rss_mb\":" << d.ingest_rss_mb
          << ",\"broker_rss_mb\":" << d.broker_rss_mb
          << ",\"hub_write_bytes_per_reading\":" << d.hub_write_bytes_per_reading
          << ",\"query_day_ms\":" << d.query_day_ms << ",\"export_ms\":" << d.export_ms
          << ",\"export_rss_mb\":" << d.export_rss_mb << "}";
      first = false;
    }
  }
  const Wear w = wear_of(r);
  auto num = [](std::optional<double> v) { return v ? std::to_string(*v) : std::string("null"); };
  out << "],\"wear\":{\"append_readings\":" << r.wear.readings
      << ",\"append_bytes_per_reading\":" << num(w.append)
      << ",\"drain_bytes_per_reading\":" << num(w.drain)
      << ",\"total_bytes_per_reading\":" << num(w.total)
      << ",\"append_budget_bytes_per_reading\":" << kAppendBudgetBytesPerReading
      << ",\"drain_budget_bytes_per_reading\":" << kDrainBudgetBytesPerReading << "}";
  out << ",\"gates\":[";
  first = true;
  for (const auto& g : gates(r)) {
    out << (first ? "" : ",") << "{\"name\":\"" << g.name
        << "\",\"value\":" << (g.value ? std::to_string(*g.value) : "null") << ",\"want\":\""
        << g.want << "\",\"pass\":" << (g.pass ? "true" : "false") << "}";
    first = false;
  }
  out << "]" << live_json(r) << "}\n";
  return out.str();
}

std::optional<bool> wear_gate_held(const Report& r) {
  const Wear w = wear_of(r);
  if (!w.total) return std::nullopt;
  return *w.append <= kAppendBudgetBytesPerReading && *w.drain <= kDrainBudgetBytesPerReading;
}

}  // namespace kotona::bench
