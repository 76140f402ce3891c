#include "bench/feed.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "bench/fleet_parts.h"
#include "bench/procfs.h"
#include "core/counters.h"
#include "core/reading.h"
#include "gateway/outbox/outbox.h"
#include "gateway/uplink/uplink.h"
#include "proto/codec/wire.h"
#include "tests/support/mosquitto.h"
#include "tests/support/outbox_probe.h"

namespace kotona::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

gateway::OutboxTime now_ms() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// Reading `i` of live hub `h`, measured just now.
gateway::OutboxEntry live_entry(int h, long i) {
  Reading r;
  r.device.serial = DeviceSerial{meter_serial(h)};
  r.device.driver = "astm_bp";
  r.record_id = std::to_string(i + 1);
  const auto now = now_ms();
  r.device_time = DeviceTime{std::chrono::floor<std::chrono::seconds>(now).time_since_epoch()};
  r.hub_time = HubTime{now.time_since_epoch()};
  r.measurement = BloodPressure{118.0 + static_cast<double>(i % 40), 76.0, {}, 64.0};
  finalize_reading(GatewayId{hub_id(h)}, r);
  return {r.uid.value, wire::encode_reading(r)};
}

// The feed's loop: every 5 ms, commit what is due by now (one transaction per reading) and
// poke the uplink; after the last one, wait for the outbox to empty.
struct Feeder {
  boost::asio::io_context& io;
  gateway::Outbox& outbox;
  gateway::Uplink& uplink;
  const Counters& counters;
  int hub, per_s;
  long total;
  boost::asio::steady_timer tick{io};
  Clock::time_point t0{};
  bool started = false;
  long appended = 0;

  void step() {
    if (!started && uplink.is_connected()) {
      started = true;
      t0 = Clock::now();
      std::cout << "feed: connected" << std::endl;
    }
    if (started && !commit_due()) return io.stop();
    if (appended == total && outbox.depth().value_or(1) == 0) {
      // What the bench reads to tell re-sends apart (run_feed): readings sent in all (a re-sent
      // one counts again), acked, and connections (each reconnect re-sends what is in flight).
      std::cout << "feed: empty " << total << " sent " << counters.get("readings_sent") << " acked "
                << counters.get("readings_acked") << " again "
                << counters.get("readings_acked_again") << " connects "
                << counters.get("mqtt_connected") << std::endl;
      return;  // idle until killed: the bench reads this process's CPU from /proc first
    }
    tick.expires_after(5ms);
    tick.async_wait([this](auto ec) {
      if (!ec) step();
    });
  }

  bool commit_due() {
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    const long due = std::min(total, static_cast<long>(elapsed * per_s));
    const long before = appended;
    for (; appended < due; ++appended) {
      const auto entry = live_entry(hub, appended);
      if (auto r = outbox.append({&entry, 1}, now_ms()); !r) {
        std::cerr << "feed: append: " << describe(r.error()) << "\n";
        return false;
      }
    }
    if (appended > before) uplink.poke();
    return true;
  }
};

}  // namespace

std::string feed_label(const FeedPoint& p) {
  return std::to_string(p.per_s) + "/s (" + std::to_string(p.hubs) + " hubs)";
}

int feed_main(const std::string& uri, int hub, const std::string& path, int per_s, int seconds) {
  auto outbox = gateway::Outbox::open(path);
  if (!outbox) return std::cerr << "feed: " << describe(outbox.error()) << "\n", 1;
  boost::asio::io_context io;
  Counters counters;
  gateway::UplinkOptions options;
  options.gateway = GatewayId{hub_id(hub)};
  options.mqtt_uri = uri;
  options.reconnect_min = 100ms;
  options.reconnect_max = 1000ms;
  if (const char* t = std::getenv("KOTONA_FEED_ACK_TIMEOUT_MS")) {  // experiments only
    options.ack_timeout = std::chrono::milliseconds(std::atol(t));
  }
  gateway::Uplink uplink(io, options, **outbox, counters);
  uplink.start();
  Feeder feeder{io, **outbox, uplink, counters, hub, per_s, long{per_s} * seconds};
  feeder.step();
  io.run();  // returns only when an append failed, or when nothing is left to wait for
  uplink.stop();
  if (feeder.appended != feeder.total) return 1;
  while (true) std::this_thread::sleep_for(1h);
}

// One line on stderr telling re-sends apart (docs/performance.md, "Re-sends at
// feed-10x1000"): what the hubs sent beyond the readings, their connections (a reconnect
// re-sends what is in flight) and the server's side of the acks.
void say_resends(const std::vector<std::unique_ptr<test::Child>>& hubs, long readings,
                 const Ingest& ingest) {
  long sent = 0, again = 0, connects = 0;
  for (const auto& hub : hubs) {
    std::smatch m;
    const std::string text = hub->log_text();
    static const std::regex line(
        "feed: empty [0-9]+ sent ([0-9]+) acked [0-9]+ again ([0-9]+) connects ([0-9]+)");
    if (std::regex_search(text, m, line)) {
      sent += std::stol(m[1]);
      again += std::stol(m[2]);
      connects += std::stol(m[3]);
    }
  }
  auto server = [&](const char* name) { return metric(ingest.http_port, ingest.token, name); };
  std::cerr << "feed: hubs sent " << sent << " (" << sent - readings << " re-sent, " << again
            << " acked twice: late acks), " << connects << " connections; server acks "
            << server("acks_sent") << ", ack publish failed " << server("mqtt_ack_publish_failed")
            << ", commits " << server("ingest_commits") << ", batches " << server("batches_stored")
            << ", duplicates " << server("readings_duplicate") << std::endl;
  // Why an ack failed, once per kind of line (the server's log goes with its temp dir).
  std::istringstream log(ingest.child->log_text());
  std::set<std::string> seen;
  for (std::string line; std::getline(log, line) && seen.size() < 3;) {
    if (line.find("ack") == std::string::npos || line.find("WARN") == std::string::npos) continue;
    const std::string kind = line.substr(line.find("WARN"), 60);
    if (seen.insert(kind).second) std::cerr << "feed: server: " << line << std::endl;
  }
}

FeedResult run_feed(const FeedPoint& p) {
  FeedResult out;
  test::TempDir dir;
  test::Mosquitto broker(dir.path());
  broker.start();
  Ingest ingest = start_server({"sqlite", p.hubs, 0, ""}, dir, broker.uri());
  const double server0 = cpu_us(ingest.child->pid()), broker0 = cpu_us(broker.pid());
  std::vector<std::unique_ptr<test::Child>> hubs;
  const int each = std::max(1, p.per_s / p.hubs);
  for (int h = 0; h < p.hubs; ++h) {
    hubs.push_back(std::make_unique<test::Child>(
        std::vector<std::string>{test::bin("bench/kotona-bench"), "feed", broker.uri(),
                                 std::to_string(h), (dir / (hub_id(h) + ".db")).string(),
                                 std::to_string(each), std::to_string(p.seconds)},
        dir / (hub_id(h) + ".log")));
  }
  out.readings = long{each} * p.hubs * p.seconds;
  const auto t0 = Clock::now();
  const auto deadline = t0 + std::chrono::seconds(p.seconds + 60);
  bool stored = false;
  while (!stored && Clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    stored = metric(ingest.http_port, ingest.token, "readings_stored") >= out.readings;
  }
  out.stored_s = seconds_since(t0);
  bool empty = stored;
  for (auto& hub : hubs) empty = empty && hub->wait_for_log("feed: empty", 30s).has_value();
  double hub_cpu = 0;
  for (auto& hub : hubs) {
    hub_cpu += cpu_us(hub->pid());
    out.hub_rss_mb = std::max(out.hub_rss_mb, peak_rss_mb(hub->pid()));
  }
  const double n = static_cast<double>(std::max(1L, out.readings));
  out.hub_cpu_us = hub_cpu / n;
  out.server_cpu_us = (cpu_us(ingest.child->pid()) - server0) / n;
  out.broker_cpu_us = (cpu_us(broker.pid()) - broker0) / n;
  out.server_rss_mb = peak_rss_mb(ingest.child->pid());
  out.broker_rss_mb = peak_rss_mb(broker.pid());
  out.resent = metric(ingest.http_port, ingest.token, "readings_duplicate");
  say_resends(hubs, out.readings, ingest);
  out.complete = stored && empty;
  if (!out.complete) {
    out.failure = std::string(stored ? "" : "not every reading was stored; ") +
                  "--- server log tail:\n" + tail(ingest.child->log_text(), 1500) +
                  "\n--- hub 0 log tail:\n" + tail(hubs.front()->log_text(), 1500);
  }
  return out;
}

}  // namespace kotona::bench
