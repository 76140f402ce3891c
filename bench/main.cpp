// kotona-bench [--size smoke|full] [--repeat N] [--pg URI] [--only SHAPE] [--out DIR]
//   Measures the broker's QoS 1 ceiling and Kotona's backlog drain in the same run and writes
//   DIR/bench.md and DIR/bench.json (default DIR: <build>/bench/results). Timed gates are
//   reported, never asserted: the exit status says whether every run completed and whether the
//   flash-wear budget (bytes per reading, wear.h) held.
// kotona-bench null-ingest URI N   (used by the bench itself: see fleet.h)
// kotona-bench fill-outbox PATH HUB N   (a hub's backlog, to profile a hub by hand)
#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "bench/feed.h"
#include "bench/latency.h"
#include "bench/report.h"
#include "tests/support/process.h"

namespace kotona::bench {
namespace {

struct Options {
  std::string size = "smoke";
  int repeat = 0;  // 0: the size's default
  std::string pg_uri;
  std::string only;
  std::string node_dir;  // --node DIR: bench/node_peer installed there (bench/run.sh does it)
  std::filesystem::path out = std::filesystem::path(KOTONA_BUILD_DIR) / "bench" / "results";
};

// The points of a size: shapes x stores. PostgreSQL only when a cluster was given.
std::vector<DrainPoint> plan(const Options& o) {
  std::vector<std::pair<int, int>> shapes = o.size == "full"
                                                ? std::vector<std::pair<int, int>>{{1, 10000},
                                                                                   {1, 100000},
                                                                                   {1, 1000000},
                                                                                   {10, 10000},
                                                                                   {100, 1000}}
                                                : std::vector<std::pair<int, int>>{{1, 2000}};
  std::vector<std::string> stores{"sqlite"};
  if (!o.pg_uri.empty()) stores.push_back("postgresql");
  std::vector<DrainPoint> points;
  for (const auto& store : stores) {
    for (auto [hubs, n] : shapes) points.push_back({store, hubs, n, o.pg_uri});
  }
  points.push_back({"null", 1, o.size == "full" ? 100000 : 2000, ""});
  if (!o.node_dir.empty()) {  // the outside ratio: the same shapes into the Node peer
    for (auto [hubs, n] : o.size == "full"
                              ? std::vector<std::pair<int, int>>{{1, 100000}, {10, 10000}}
                              : std::vector<std::pair<int, int>>{{1, 2000}})
      points.push_back({"node", hubs, n, "", o.node_dir});
  }
  if (o.only.empty()) return points;
  std::erase_if(points, [&](const DrainPoint& p) { return shape_of(p) != o.only; });
  return points;
}

std::string machine() {
  utsname u{};
  uname(&u);
  std::ifstream cpu("/proc/cpuinfo");
  std::string line, model = "?";
  while (std::getline(cpu, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  return "Machine: " + std::to_string(std::thread::hardware_concurrency()) + " cores, " + model +
         ", Linux " + u.release + ".";
}

// Runs `point` `repeat` times into `runs`, printing one progress line per run.
template <typename P, typename R, typename Run, typename Say>
void repeat_point(const std::string& key, const P& point, int repeat, std::vector<R>& runs,
                  bool& all_complete, Run run_one, Say say) {
  for (int i = 0; i < repeat; ++i) {
    std::cerr << "bench: " << key << " run " << i + 1 << "/" << repeat << " ..." << std::flush;
    runs.push_back(run_one(point));
    all_complete = all_complete && runs.back().complete;
    std::cerr << (runs.back().complete ? " " : " INCOMPLETE ") << say(runs.back()) << "\n";
  }
}

// The live points (latency.h, feed.h, hubs.h): smoke is short and small; --only names them
// "rate-MxR" (M meters at R/s each), "feed-HxR" (H hubs, R/s in all) or "hubs-H".
void run_live(const Options& o, int repeat, Report& report, bool& all_complete) {
  const bool full = o.size == "full";
  const auto rates =
      full ? std::vector<RatePoint>{{1, 20, 60}, {5, 40, 30}} : std::vector<RatePoint>{{1, 20, 5}};
  const auto feeds = full ? std::vector<FeedPoint>{{10, 1000, 20}, {10, 5000, 10}}
                          : std::vector<FeedPoint>{{2, 200, 3}};
  const HubsPoint hubs = full ? HubsPoint{10000, 30, 60, 5} : HubsPoint{200, 2, 4, 2};
  auto wanted = [&](const std::string& key) { return o.only.empty() || o.only == key; };
  for (const auto& p : rates) {
    const auto key = "rate-" + std::to_string(p.meters) + "x" + std::to_string(p.per_meter_per_s);
    if (!wanted(key)) continue;
    report.rates.push_back({p, {}});
    repeat_point(key, p, repeat, report.rates.back().runs, all_complete, run_rate,
                 [](const RateResult& x) {
                   return "hub->SSE p99 " + std::to_string(x.hub_to_sse.p99) + " ms";
                 });
  }
  for (const auto& p : feeds) {
    const auto key = "feed-" + std::to_string(p.hubs) + "x" + std::to_string(p.per_s);
    if (!wanted(key)) continue;
    report.feeds.push_back({p, {}});
    repeat_point(key, p, repeat, report.feeds.back().runs, all_complete, run_feed,
                 [](const FeedResult& x) {
                   return "server " + std::to_string(x.server_cpu_us) + " us/reading";
                 });
  }
  const auto key = "hubs-" + std::to_string(hubs.hubs);
  if (!wanted(key)) return;
  report.hubs.push_back({hubs, {}});
  repeat_point(key, hubs, repeat, report.hubs.back().runs, all_complete, run_hubs,
               [](const HubsResult& x) { return std::to_string(x.connected) + " connected"; });
}

int run(const Options& o) {
  Report report{o.size, machine(), {}, {}, {}, {}, {}, {}};
  const bool full = o.size == "full";
  const int repeat = o.repeat > 0 ? o.repeat : (full ? 3 : 1);
  for (int i = 0; i < repeat; ++i) {
    report.ceiling.push_back(run_ceiling(full ? 50000 : 5000, 220, 120));
    const auto& c = report.ceiling.back();
    std::cerr << "bench: broker ceiling " << c.msgs_per_s << " msg/s"
              << (c.complete ? "" : " INCOMPLETE " + c.failure) << "\n";
  }
  bool all_complete = true;
  for (const auto& p : plan(o)) {
    PointRuns pr{p, {}};
    for (int i = 0; i < repeat; ++i) {
      std::cerr << "bench: drain " << p.store << " " << shape_of(p) << " run " << i + 1 << "/"
                << repeat << " ..." << std::flush;
      pr.runs.push_back(run_drain(p, full ? 600 : 120));
      const auto& d = pr.runs.back();
      all_complete = all_complete && d.complete;
      std::cerr << (d.complete ? " " : " INCOMPLETE ") << d.rows_s << " s, re-sent " << d.resent;
      if (d.inbox_wait_ms >= 0) {
        std::cerr << ", per batch: inbox wait " << d.inbox_wait_ms << " ms, handled -> ack "
                  << d.handled_to_ack_ms << " ms";
      }
      std::cerr << "\n";
    }
    report.drains.push_back(std::move(pr));
  }
  run_live(o, repeat, report, all_complete);
  report.wear = measure_append_wear(full ? 2000 : 500);
  std::cerr << "bench: append wear "
            << (report.wear.measured
                    ? std::to_string(report.wear.write_bytes_per_reading) + " B/reading"
                    : "not measured: " + report.wear.failure)
            << "\n";
  std::filesystem::create_directories(o.out);
  std::ofstream(o.out / "bench.md") << markdown(report);
  std::ofstream(o.out / "bench.json") << json(report);
  std::cout << markdown(report) << "\nbench: written to " << (o.out / "bench.md").string()
            << " and bench.json\n";
  // Bytes, not time: the one gate asserted (a byte count does not move with the machine's load).
  const auto wear = wear_gate_held(report);
  if (wear == false) std::cerr << "bench: FAIL flash-wear budget exceeded\n";
  return all_complete && wear != false ? 0 : 1;
}

}  // namespace
}  // namespace kotona::bench

int main(int argc, char** argv) {
  using namespace kotona::bench;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 3 && args[0] == "null-ingest")
    return null_ingest_main(args[1], std::stol(args[2]));
  if (args.size() == 4 && args[0] == "fill-outbox")
    return fill_outbox_main(args[1], std::stoi(args[2]), std::stoi(args[3]));
  if (args.size() == 6 && args[0] == "feed")
    return feed_main(args[1], std::stoi(args[2]), args[3], std::stoi(args[4]), std::stoi(args[5]));
  Options o;
  for (std::size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--size")
      o.size = args[i + 1];
    else if (args[i] == "--repeat")
      o.repeat = std::stoi(args[i + 1]);
    else if (args[i] == "--pg")
      o.pg_uri = args[i + 1];
    else if (args[i] == "--node")
      o.node_dir = args[i + 1];
    else if (args[i] == "--only")
      o.only = args[i + 1];
    else if (args[i] == "--out")
      o.out = args[i + 1];
    else
      return std::cerr << "kotona-bench: unknown option " << args[i] << "\n", 2;
  }
  if (args.size() % 2 != 0 || (o.size != "smoke" && o.size != "full")) {
    std::cerr << "usage: kotona-bench [--size smoke|full] [--repeat N] [--pg URI] [--node DIR] "
                 "[--only POINT] "
                 "[--out DIR]\n";
    return 2;
  }
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "kotona-bench: " << e.what() << "\n";
    return 1;
  }
}
