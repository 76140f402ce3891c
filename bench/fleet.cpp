#include "bench/fleet.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>
#include <thread>

#include "bench/fleet_parts.h"
#include "bench/procfs.h"
#include "core/reading.h"
#include "gateway/outbox/outbox.h"
#include "proto/codec/wire.h"
#include "tests/support/http_client.h"
#include "tests/support/mosquitto.h"
#include "tests/support/outbox_probe.h"
#include "tests/support/process.h"
#include "tests/support/store_location.h"

namespace kotona::bench {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::Child;

std::string hub_id(int h) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "gw-bench-%04d", h);
  return buf;
}
std::string meter_serial(int h) { return "BPB" + std::to_string(100000 + h); }

gateway::OutboxEntry make_backlog_entry(int h, int i) {
  const auto start = kBacklogStart;
  Reading r;
  r.device.serial = DeviceSerial{meter_serial(h)};
  r.device.driver = "astm_bp";
  r.record_id = std::to_string(i + 1);
  r.device_time = DeviceTime{start + std::chrono::minutes(i)};  // sys_seconds
  r.hub_time = HubTime{std::chrono::milliseconds{start + std::chrono::minutes(i)}};
  r.measurement = BloodPressure{118.0 + i % 40, 76.0 + i % 15, {}, 60.0 + i % 30};
  finalize_reading(GatewayId{hub_id(h)}, r);
  return {r.uid.value, wire::encode_reading(r)};
}

// The backlog an outage leaves: `n` readings already in the hub's outbox.
bool fill_outbox(const std::string& path, int h, int n, std::string& error) {
  auto outbox = gateway::Outbox::open(path);
  if (!outbox) return error = describe(outbox.error()), false;
  for (int first = 0; first < n; first += 1000) {
    std::vector<gateway::OutboxEntry> entries;
    for (int i = first; i < std::min(n, first + 1000); ++i) {
      entries.push_back(make_backlog_entry(h, i));
    }
    auto added = (*outbox)->append(entries, HubTime{std::chrono::seconds{1'790'000'000}});
    if (!added) return error = describe(added.error()), false;
  }
  return true;
}

int fill_outbox_main(const std::string& path, int hub, int n) {
  std::string error;
  if (fill_outbox(path, hub, n, error)) return 0;
  std::cerr << "fill-outbox: " << error << "\n";
  return 1;
}

long metric(int port, const std::string& token, const std::string& name) {
  test::set_bearer_token(token);
  return metric_now(port, name);
}

long metric_now(int port, const std::string& name) {
  auto res = test::http_get(port, "/metrics");
  if (!res || res->status != 200) return -1;
  std::smatch m;
  if (!std::regex_search(res->body, m, std::regex("(^|\n)[a-z_]*" + name + " ([0-9]+)"))) return 0;
  return std::stol(m[2]);
}

Ingest start_server(const DrainPoint& p, const test::TempDir& dir, const std::string& broker,
                    const std::string& extra_config) {
  if (p.store == "postgresql") {
    setenv("KOTONA_TEST_POSTGRES", p.pg_uri.c_str(), 1);
  } else {
    unsetenv("KOTONA_TEST_POSTGRES");
  }
  auto conf = dir / "server.conf";
  {
    std::ofstream out(conf);
    out << "mqtt_uri = " << broker << "\nmqtt_client_id = kotona-ingest-bench\n"
        << "db_path = " << test::test_store_location(dir.path()) << "\n"
        << "http_listen = 127.0.0.1:0\n"
        << test::test_admin_config() << extra_config;
    for (int h = 0; h < p.hubs; ++h) {
      out << "enrol = " << hub_id(h) << " " << meter_serial(h) << " patient-" << h + 1 << "\n";
    }
  }
  Ingest in;
  in.child = std::make_unique<Child>(
      std::vector<std::string>{test::bin("server/kotona-server"), "--config", conf.string()},
      dir / "server.log");
  auto line = in.child->wait_for_log("clinician feed at http://127.0.0.1:", 60s);
  std::smatch m;
  if (!line || !std::regex_search(*line, m, std::regex("127\\.0\\.0\\.1:([0-9]+)/")) ||
      !in.child->wait_for_log("ingest subscribed", 60s)) {
    throw std::runtime_error("server did not start:\n" + in.child->log_text());
  }
  in.http_port = std::stoi(m[1]);
  in.token = test::http_login(in.http_port, "admin", test::kTestPassword).value_or("");
  return in;
}

namespace {

Ingest start_null_ingest(const DrainPoint& p, const test::TempDir& dir, const std::string& broker) {
  Ingest in;
  in.child = std::make_unique<Child>(
      std::vector<std::string>{test::bin("bench/kotona-bench"), "null-ingest", broker,
                               std::to_string(long{p.hubs} * p.readings_per_hub)},
      dir / "null-ingest.log");
  if (!in.child->wait_for_log("null-ingest: subscribed", 20s)) {
    throw std::runtime_error("null ingest did not start:\n" + in.child->log_text());
  }
  return in;
}

// The Node peer (bench/node_peer/ingest.js), from `p.node_dir` where bench/run.sh installed it
// with its node_modules and a copy of the wire schema.
Ingest start_node_ingest(const DrainPoint& p, const test::TempDir& dir, const std::string& broker) {
  const std::filesystem::path node_dir = p.node_dir;
  Ingest in;
  in.child = std::make_unique<Child>(
      std::vector<std::string>{"node", (node_dir / "ingest.js").string(), broker,
                               (dir / "node-peer.db").string(),
                               (node_dir / "readings.proto").string(),
                               std::to_string(long{p.hubs} * p.readings_per_hub)},
      dir / "node-ingest.log");
  if (!in.child->wait_for_log("node-ingest: subscribed", 30s)) {
    throw std::runtime_error("node peer did not start:\n" + in.child->log_text());
  }
  return in;
}

Ingest start_ingest(const DrainPoint& p, const test::TempDir& dir, const std::string& broker) {
  if (p.store == "null") return start_null_ingest(p, dir, broker);
  if (p.store == "node") return start_node_ingest(p, dir, broker);
  return start_server(p, dir, broker);
}

std::unique_ptr<Child> start_hub(int h, const test::TempDir& dir, const std::string& broker) {
  const auto conf = dir / (hub_id(h) + ".conf");
  std::filesystem::create_directories(dir / "by-id");  // no devices: only the backlog
  std::ofstream(conf) << "gateway_id = " << hub_id(h) << "\nmqtt_uri = " << broker
                      << "\noutbox_path = " << (dir / (hub_id(h) + ".db")).string()
                      << "\nserial_by_id_dir = " << (dir / "by-id").string() << "\n";
  return std::make_unique<Child>(
      std::vector<std::string>{test::bin("gateway/kotona-gateway"), "--config", conf.string()},
      dir / (hub_id(h) + ".log"));
}

}  // namespace

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

namespace {

// Waits until the ingest has every reading; returns false at the deadline. For a peer (null or
// Node ingest) `all_line` gets its summary line "<all_marker> ... N repeats".
bool wait_all_arrived(Ingest& ingest, const std::string& all_marker, long total,
                      Clock::time_point deadline, std::string& all_line) {
  while (Clock::now() < deadline) {
    if (!all_marker.empty()) {
      if (auto line = ingest.child->wait_for_log(all_marker, 100ms)) {
        all_line = *line;
        return true;
      }
    } else if (metric(ingest.http_port, ingest.token, "readings_stored") >= total) {
      return true;
    } else {
      std::this_thread::sleep_for(100ms);
    }
  }
  return false;
}

// Waits until every hub's outbox is empty; returns how many are not at the deadline.
std::size_t wait_outboxes_empty(const test::TempDir& dir, int hubs, Clock::time_point deadline) {
  std::vector<char> empty(static_cast<std::size_t>(hubs), 0);
  std::size_t left = empty.size();
  while (left > 0 && Clock::now() < deadline) {
    for (int h = 0; h < hubs; ++h) {
      auto& done = empty[static_cast<std::size_t>(h)];
      if (!done && test::outbox_row_count((dir / (hub_id(h) + ".db")).string()) == 0)
        done = 1, --left;
    }
    if (left > 0) std::this_thread::sleep_for(100ms);
  }
  return left;
}

}  // namespace

std::string tail(const std::string& text, std::size_t n) {
  return text.size() > n ? text.substr(text.size() - n) : text;
}

namespace {

// Bytes the hubs wrote to their storage, less what went to their log files (on a hub the log
// goes to journald, not to the outbox's flash); negative when /proc cannot say.
double hub_write_bytes(std::vector<std::unique_ptr<Child>>& hubs) {
  double sum = 0;
  for (auto& hub : hubs) {
    const long long bytes = io_write_bytes(std::to_string(hub->pid()));
    if (bytes < 0) return -1;
    std::error_code ec;
    const auto log = std::filesystem::file_size(hub->log_path(), ec);
    sum += static_cast<double>(bytes) - (ec ? 0.0 : static_cast<double>(log));
  }
  return sum;
}

// "2026-09-21T10:40:00Z" for a time in seconds since the epoch.
std::string iso(std::chrono::sys_seconds t) {
  const std::time_t tt = t.time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

double timed_get_ms(int port, const std::string& target, int& status) {
  const auto t0 = Clock::now();
  auto res = test::http_get(port, target, 300s);
  status = res ? res->status : 0;
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Growth (issue 15): the one patient now holds every reading, one a minute from the first
// backlog entry's time; a day's range query and a 10-day FHIR export from the middle.
void measure_growth(Ingest& in, const DrainPoint& p, DrainResult& out) {
  const auto first = std::chrono::sys_seconds{kBacklogStart};
  const auto mid = first + std::chrono::minutes(p.readings_per_hub / 2);
  const auto day = std::chrono::floor<std::chrono::days>(mid);
  test::set_bearer_token(in.token);
  std::vector<double> ms;
  int status = 0;
  for (int i = 0; i < 5; ++i) {
    ms.push_back(timed_get_ms(in.http_port,
                              "/api/v1/readings?patient=patient-1&start=" + iso(day) +
                                  "&end=" + iso(day + std::chrono::days(1)) + "&limit=10000",
                              status));
    if (status != 200)
      return void(out.failure += "range query answered " + std::to_string(status) + "; ");
  }
  std::sort(ms.begin(), ms.end());
  out.query_day_ms = ms[ms.size() / 2];
  const auto end = day + std::chrono::days(1);
  out.export_ms = timed_get_ms(in.http_port,
                               "/api/v1/fhir/Patient/patient-1/$everything?start=" +
                                   iso(end - std::chrono::days(10)) + "&end=" + iso(end),
                               status);
  if (status != 200) {
    out.export_ms = -1;
    out.failure += "FHIR export answered " + std::to_string(status) + "; ";  // in the report
    return;
  }
  out.export_rss_mb = rss_mb(in.child->pid());
}

}  // namespace

DrainResult run_drain(const DrainPoint& p, int timeout_s) {
  DrainResult out;
  test::TempDir dir;
  test::Mosquitto broker(dir.path());
  broker.start();
  for (int h = 0; h < p.hubs; ++h) {
    std::string error;
    if (!fill_outbox((dir / (hub_id(h) + ".db")).string(), h, p.readings_per_hub, error)) {
      out.failure = "filling the outbox: " + error;
      return out;
    }
  }
  const bool peer = p.store == "null" || p.store == "node";  // not kotona-server
  Ingest ingest = start_ingest(p, dir, broker.uri());
  const long total = long{p.hubs} * p.readings_per_hub;
  const double cpu0 = cpu_us(ingest.child->pid());
  const auto t0 = Clock::now();
  const auto deadline = t0 + std::chrono::seconds(timeout_s);
  std::vector<std::unique_ptr<Child>> hubs;
  for (int h = 0; h < p.hubs; ++h) hubs.push_back(start_hub(h, dir, broker.uri()));

  std::string all_line;
  const bool arrived =
      wait_all_arrived(ingest, peer ? p.store + "-ingest: all" : "", total, deadline, all_line);
  out.rows_s = seconds_since(t0);
  out.ingest_cpu_us = (cpu_us(ingest.child->pid()) - cpu0) / static_cast<double>(total);
  const std::size_t left = wait_outboxes_empty(dir, p.hubs, deadline);
  out.empty_s = seconds_since(t0);
  out.complete = arrived && left == 0;
  std::smatch m;
  if (peer && std::regex_search(all_line, m, std::regex("([0-9]+) repeats"))) {
    out.resent = std::stol(m[1]);
  } else if (!peer) {
    out.resent = metric(ingest.http_port, ingest.token, "readings_duplicate");
    auto per_batch_ms = [&](const char* name, long batches) {
      return static_cast<double>(metric(ingest.http_port, ingest.token, name)) /
             static_cast<double>(batches) / 1000.0;
    };
    if (const long batches = metric(ingest.http_port, ingest.token, "batches_stored");
        batches > 0) {
      out.inbox_wait_ms = per_batch_ms("ingest_inbox_wait_us", batches);
      out.handled_to_ack_ms = per_batch_ms("ingest_handled_to_ack_us", batches);
    }
  }
  for (auto& hub : hubs) out.hub_rss_mb = std::max(out.hub_rss_mb, peak_rss_mb(hub->pid()));
  out.hub_write_bytes_per_reading = hub_write_bytes(hubs) / static_cast<double>(total);
  out.ingest_rss_mb = peak_rss_mb(ingest.child->pid());
  out.broker_rss_mb = peak_rss_mb(broker.pid());
  if (out.complete && !peer && p.hubs == 1) measure_growth(ingest, p, out);
  if (!out.complete) {
    out.failure = std::string(arrived ? "" : "not every reading arrived; ") + std::to_string(left) +
                  " outbox(es) not empty after " + std::to_string(timeout_s) +
                  " s\n--- ingest log tail:\n" + tail(ingest.child->log_text(), 2000);
  }
  return out;
}

}  // namespace kotona::bench
