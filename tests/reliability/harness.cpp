// kotona-reliability: the delivery-guarantee harness (issue 5). Runs the real chain —
// firmware-sim devices on pseudo-terminals writing independent ledgers, kotona-gateway,
// mosquitto, kotona-server — injects faults, lets the system drain, then compares ledgers with
// the server database (checker.h). Prints one JSON scorecard line per scenario and a closing
// line "N passed, N failed". Exit 0 when every scenario passed (with --expect-failures: when
// every scenario FAILED, for negative controls). Usage: see README.md or --help.
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include <boost/json/src.hpp>  // header-only Boost.JSON: this is its one translation unit
#include <chrono>
#include <deque>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "server/store/database.h"
#include "tests/reliability/checker.h"
#include "tests/reliability/netns.h"
#include "tests/support/mosquitto.h"
#include "tests/support/process.h"
#include "tests/support/store_location.h"

namespace {

using namespace kotona;
using namespace kotona::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using kotona::server::store::Database;
using kotona::server::store::Statement;
namespace json = boost::json;

const std::vector<std::string> kCrashPoints{
    "gateway.after_outbox_commit", "gateway.after_publish", "gateway.after_puback",
    "server.mid_transaction", "server.after_commit_before_ack"};

struct Options {
  std::string scenario;
  int kills = 300;
  int runs = 50;  // named-crash: crashes per point
  std::string point;  // named-crash: one point, or all when empty
  int devices = 4;
  int cadence_ms = 150;
  unsigned seed = 0;
  int drain_timeout_s = 60;
  int faults = 40;      // partitions: faults before the backlog
  int backlog = 5000;   // partitions: outbox rows built up behind a partition, then drained
  int outbox_fs_kb = 0;  // the outbox on a tmpfs of this size (root only); 0: the run's dir
  bool expect_failures = false;
  std::string gateway_bin = bin("gateway/kotona-gateway");
  std::string server_bin = bin("server/kotona-server");
};

void usage(std::ostream& out) {
  out << "usage: kotona-reliability SCENARIO [options]\n"
         "  scenarios: random-kills    kill -9 gateway, broker or server at random (--kills)\n"
         "             broker-forgets  broker without persistence, restarted (--kills times)\n"
         "             named-crash     SIGKILL at named points (--runs each, --point one)\n"
         "             queue-overflow  broker queue of 10 messages for the server session;\n"
         "                             the server stopped --kills times so it overflows\n"
         "             clock-faults    device clocks years off; the hub clock stepped by years\n"
         "                             (libfaketime) --faults times, with gateway restarts\n"
         "             partitions      network faults between namespaces (--faults), then a\n"
         "                             backlog of --backlog readings drained after healing\n"
         "             hub-disk-full   the outbox on a 4 MiB tmpfs filled while broker and server\n"
         "                             are down; must drain on the full disk, report it, NAK\n"
         "             escalation-restart  high alerts raised, the server killed (--kills) before\n"
         "                             their 2 s escalation deadline each time; every one must\n"
         "                             still escalate, not early, with an intact audit chain\n"
         "  --kills N (300)  --runs N (50)  --point NAME  --devices N (4)  --cadence-ms N (150)\n"
         "  --seed N (random)  --drain-timeout-s N (60)  --gateway-bin PATH  --server-bin PATH\n"
         "  --faults N (40)  --backlog N (5000)\n"
         "  --expect-failures  (negative control: succeed only if the scenario FAILS)\n";
}

std::optional<Options> parse(int argc, char** argv) {
  Options o;
  o.seed = std::random_device{}();
  if (argc < 2) return std::nullopt;
  o.scenario = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--kills") o.kills = std::stoi(value());
    else if (a == "--runs") o.runs = std::stoi(value());
    else if (a == "--point") o.point = value();
    else if (a == "--devices") o.devices = std::stoi(value());
    else if (a == "--cadence-ms") o.cadence_ms = std::stoi(value());
    else if (a == "--seed") o.seed = static_cast<unsigned>(std::stoul(value()));
    else if (a == "--drain-timeout-s") o.drain_timeout_s = std::stoi(value());
    else if (a == "--gateway-bin") o.gateway_bin = value();
    else if (a == "--server-bin") o.server_bin = value();
    else if (a == "--expect-failures") o.expect_failures = true;
    else if (a == "--faults") o.faults = std::stoi(value());
    else if (a == "--backlog") o.backlog = std::stoi(value());
    else if (a == "--outbox-fs-kb") o.outbox_fs_kb = std::stoi(value());
    else throw std::invalid_argument("unknown option " + a);
  }
  if (o.scenario == "hub-disk-full" && o.outbox_fs_kb == 0) o.outbox_fs_kb = 4096;
  if (o.scenario != "random-kills" && o.scenario != "broker-forgets" &&
      o.scenario != "named-crash" && o.scenario != "partitions" &&
      o.scenario != "clock-faults" && o.scenario != "queue-overflow" &&
      o.scenario != "escalation-restart" && o.scenario != "hub-disk-full") {
    throw std::invalid_argument("unknown scenario " + o.scenario);
  }
  return o;
}

// Sets KOTONA_CRASH_AT for children spawned while it lives (the harness is single-threaded).
class CrashEnv {
 public:
  explicit CrashEnv(const std::string& spec) {
    if (!spec.empty()) ::setenv("KOTONA_CRASH_AT", spec.c_str(), 1);
  }
  ~CrashEnv() { ::unsetenv("KOTONA_CRASH_AT"); }
};

// The hub's wall clock under libfaketime: every process spawned while this lives reads its
// offset from `file` on each call (FAKETIME_NO_CACHE), so the harness can step it mid-run.
// Monotonic clocks stay real (timers keep working), as on a hub whose RTC is wrong or is
// stepped by NTP. real_timerfd.cpp is preloaded first: libfaketime alone mistranslates the
// absolute deadlines of monotonic timerfds and stops every asio timer (see that file).
class FaketimeEnv {
 public:
  explicit FaketimeEnv(const std::string& file) {
    if (file.empty()) return;
    ::setenv("LD_PRELOAD",
             (bin("tests/reliability/libkotona_real_timerfd.so") + ":" + kLibfaketime).c_str(), 1);
    ::setenv("FAKETIME_TIMESTAMP_FILE", file.c_str(), 1);
    ::setenv("FAKETIME_NO_CACHE", "1", 1);
    ::setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1", 1);
    active_ = true;
  }
  ~FaketimeEnv() {
    if (!active_) return;
    for (const char* v : {"LD_PRELOAD", "FAKETIME_TIMESTAMP_FILE", "FAKETIME_NO_CACHE",
                          "FAKETIME_DONT_FAKE_MONOTONIC"}) {
      ::unsetenv(v);
    }
  }
  static constexpr const char* kLibfaketime =
      "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

 private:
  bool active_ = false;
};

class Rig {
 public:
  // `netns`: gateway, broker and server each in a network namespace of their own (Topology).
  Rig(const Options& o, bool broker_persistence, bool netns = false)
      : o_(o),
        net_(netns ? std::make_unique<Topology>() : nullptr),
        broker_(dir_.path(), broker_persistence,
                net_ ? net_->in_broker() : std::vector<std::string>{}),
        rng_(o.seed) {
    for (int i = 1; i <= o.devices; ++i) {
      char serial[16];
      std::snprintf(serial, sizeof serial, "RELBP%04d", i);
      serials_.emplace_back(serial);
      patients_[serial] = "patient-" + std::to_string(i);
    }
    if (o.outbox_fs_kb > 0) {
      auto fs = dir_ / "hubfs";
      std::filesystem::create_directories(fs);
      auto size = "size=" + std::to_string(o.outbox_fs_kb) + "k";
      if (::mount("tmpfs", fs.c_str(), "tmpfs", 0, size.c_str()) != 0) {
        throw std::runtime_error("cannot mount a tmpfs for the outbox (root only)");
      }
      hubfs_ = fs.string();
      outbox_path_ = (fs / "outbox.db").string();
    }
  }
  ~Rig() {
    // Lazy: the children (members, destroyed after this) may still hold files there.
    if (!hubfs_.empty()) ::umount2(hubfs_.c_str(), MNT_DETACH);
  }
  Rig(const Rig&) = delete;
  Rig& operator=(const Rig&) = delete;

  // hub-disk-full: fills the outbox's filesystem with a ballast file until it has no byte
  // left. Returns the ballast's size.
  std::uintmax_t fill_hub_disk() {
    std::FILE* f = std::fopen((std::filesystem::path(hubfs_) / "ballast").c_str(), "wb");
    if (f == nullptr) throw std::runtime_error("cannot create the ballast file");
    std::setvbuf(f, nullptr, _IONBF, 0);
    std::vector<char> block(4096, 'b');
    std::uintmax_t written = 0;
    for (std::size_t n = block.size(); n > 0; n /= 2) {  // down to single bytes
      while (std::fwrite(block.data(), 1, n, f) == n) written += n;
      std::clearerr(f);
    }
    std::fclose(f);
    return written;
  }
  // Lines of every device's log holding `text`.
  long sim_log_lines(const std::string& text) const {
    long n = 0;
    for (const auto& s : serials_) {
      std::ifstream in(dir_ / ("sim-" + s + ".log"));
      for (std::string line; std::getline(in, line);) n += line.find(text) != std::string::npos;
    }
    return n;
  }
  void set_gateway_extra(std::string text) { gateway_extra_ = std::move(text); }
  void set_sim_reply_timeout_ms(int ms) { sim_reply_timeout_ms_ = ms; }

  void start_all() {
    broker_.start();
    start_server();
    for (const auto& s : serials_) start_sim(s);
    start_gateway();
  }

  std::mt19937& rng() { return rng_; }
  // clock-faults: each device's clock offset (seconds), and the hub clock under libfaketime
  // with its offset in a file (e.g. "+2y"); call before start_all().
  void set_device_clock_offset(const std::string& serial, std::int64_t seconds) {
    device_clock_offsets_[serial] = seconds;
  }
  const std::vector<std::string>& serials() const { return serials_; }
  // The broker's drop counter as the server last acted on it (technical alerts).
  std::int64_t broker_dropped_seen() {
    std::int64_t value = 0;
    server_query("SELECT value FROM counters_seen WHERE name = 'broker.publish.messages.dropped'",
                 [&](const Statement& s) { value = s.column_int(0); });
    return value;
  }
  std::int64_t alerts_with_rule(const std::string& rule) {
    std::int64_t n = 0;
    server_query("SELECT COUNT(*) FROM alerts WHERE rule_id = '" + rule + "'",
                 [&](const Statement& s) { n = s.column_int(0); });
    return n;
  }
  void fake_hub_clock(const std::string& offset) {
    hub_clock_file_ = (dir_ / "hub-clock-offset").string();
    set_hub_clock(offset);
  }
  void set_hub_clock(const std::string& offset) {
    std::ofstream out(hub_clock_file_ + ".tmp");
    out << offset << "\n";
    out.close();
    std::filesystem::rename(hub_clock_file_ + ".tmp", hub_clock_file_);
  }
  Topology& net() { return *net_; }
  Mosquitto& broker() { return broker_; }
  // Appended to server.conf by every start_server().
  void set_server_extra(std::string text) { server_extra_ = std::move(text); }
  std::string server_conf() const { return (dir_ / "server.conf").string(); }
  struct HighAlert {
    std::string alert_id;
    std::int64_t created_ms = 0;
    std::int64_t tier = 0;
    std::string state;
    std::int64_t first_escalation_ms = -1;  // audit time of its first escalate row
  };
  // Every high alert with its escalation tier and first escalation audit time.
  std::vector<HighAlert> high_alerts() {
    std::vector<HighAlert> out;
    server_query(
        "SELECT a.alert_id, a.created_unix_ms, a.escalation_tier, a.state, "
        "(SELECT MIN(at_unix_ms) FROM audit_log l WHERE l.alert_id = a.alert_id AND "
        "l.action = 'escalate') FROM alerts a WHERE a.priority = 'high' AND a.reading_uid != ''",
        [&](const Statement& st) {
          out.push_back({st.column_text(0), st.column_int(1), st.column_int(2), st.column_text(3),
                         st.column_is_null(4) ? -1 : st.column_int(4)});
        });
    return out;
  }

  void start_server(const std::string& crash = "") {
    auto conf = dir_ / "server.conf";
    std::ofstream out(conf);
    out << "mqtt_uri = " << (net_ ? broker_.uri_at(Topology::kBrokerFromServer) : broker_.uri())
        << "\nmqtt_client_id = kotona-ingest-rel\n"
        << "db_path = " << store_location_ << "\nhttp_listen = 127.0.0.1:0\n";
    for (const auto& s : serials_) out << "enrol = " << kGateway << " " << s << " " << patients_[s] << "\n";
    out << server_extra_;
    out.close();
    CrashEnv env(crash);
    server_ = std::make_unique<Child>(
        in(net_ ? net_->in_server() : std::vector<std::string>{},
           {o_.server_bin, "--config", conf.string()}),
        dir_ / ("server-" + std::to_string(++server_starts_) + ".log"));
    (void)server_->wait_for_log("clinician feed at", 10s);
  }

  void start_gateway(const std::string& crash = "") {
    auto conf = dir_ / "gateway.conf";
    std::ofstream out(conf);
    out << "gateway_id = " << kGateway << "\nmqtt_uri = "
        << (net_ ? broker_.uri_at(Topology::kBrokerFromHub) : broker_.uri()) << "\n"
        << "outbox_path = " << outbox_path_ << "\n"
        << "ack_timeout_ms = 2000\nreconnect_min_ms = 50\nreconnect_max_ms = 400\n"
        << "serial_by_id_dir = " << (dir_ / "by-id").string() << "\n"
        << (gateway_extra_.empty() ? "status_interval_ms = 5000\n" : gateway_extra_);
    for (const auto& s : serials_) out << "device = astm_bp " << (dir_ / ("dev-" + s)).string() << "\n";
    out.close();
    std::filesystem::create_directories(dir_ / "by-id");
    CrashEnv env(crash);
    FaketimeEnv clock(hub_clock_file_);
    gateway_ = std::make_unique<Child>(
        in(net_ ? net_->in_hub() : std::vector<std::string>{},
           {o_.gateway_bin, "--config", conf.string()}),
        dir_ / ("gateway-" + std::to_string(++gateway_starts_) + ".log"));
  }

  void start_sim(const std::string& serial) {
    std::vector<std::string> argv{bin("firmware-sim/kotona-firmware-sim"), "astm-bp", "--link",
                                  (dir_ / ("dev-" + serial)).string(), "--serial", serial,
                                  "--ledger", (dir_ / ("ledger-" + serial + ".jsonl")).string(),
                                  "--reply-timeout-ms", std::to_string(sim_reply_timeout_ms_),
                                  "--retry-ms", "200"};
    if (auto offset = device_clock_offsets_.find(serial); offset != device_clock_offsets_.end()) {
      argv.push_back("--clock-offset-s");
      argv.push_back(std::to_string(offset->second));
    }
    argv.push_back("loop");
    argv.push_back(std::to_string(o_.cadence_ms));
    auto child = std::make_unique<Child>(argv, dir_ / ("sim-" + serial + ".log"));
    if (!child->wait_for_log("device ready on", 10s)) {
      throw std::runtime_error("firmware-sim did not start: " + child->log_text());
    }
    sims_.push_back(std::move(child));
  }

  // The three targets of the chaos scenarios.
  void kill_gateway() { gateway_->kill9(); }
  void kill_server() { server_->kill9(); }
  Child& gateway() { return *gateway_; }
  Child& server() { return *server_; }

  void ensure_running() {
    if (!gateway_->running()) start_gateway();
    if (!server_->running()) start_server();
  }

  struct Drain {
    reliability::Score score;
    long outbox_left = -1;
    double seconds = 0;
  };

  // Stops the devices (their ledgers are then final), keeps the rest running until the outbox
  // is empty and every ledger reading is stored, or the timeout passes.
  Drain drain() {
    for (auto& sim : sims_) sim->stop(5s);
    auto start = Clock::now();
    Drain d;
    std::int64_t last_stored = -1;
    auto last_progress = start;
    ensure_running();
    while (true) {
      d.score = reliability::check(kGateway, read_ledgers(), read_stored(), patients_);
      d.outbox_left = outbox_rows();
      d.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      if (d.score.stored != last_stored) {
        last_stored = d.score.stored;
        last_progress = Clock::now();
      }
      bool done = d.outbox_left == 0 && d.score.lost == 0;
      // An empty outbox and nothing new stored for 10 s: what is missing will not come.
      bool stuck = d.outbox_left == 0 && Clock::now() - last_progress > 10s;
      if (done || stuck || Clock::now() - start > std::chrono::seconds(o_.drain_timeout_s)) {
        return d;
      }
      ensure_running();
      std::this_thread::sleep_for(200ms);
    }
  }

  std::string dir() const { return dir_.path().string(); }

  // For a failed scenario: the last lines of the newest gateway and server logs and of the
  // broker log, and the counters the processes export, so CI output says where it stuck.
  void print_diagnostics(std::ostream& out) {
    auto tail = [&](const std::filesystem::path& path, int lines) {
      std::ifstream in(path);
      std::deque<std::string> last;
      for (std::string line; std::getline(in, line);) {
        last.push_back(line);
        if (static_cast<int>(last.size()) > lines) last.pop_front();
      }
      out << "---- " << path.filename().string() << " (last " << last.size() << " lines)\n";
      for (const auto& l : last) out << l << "\n";
    };
    tail(dir_ / ("gateway-" + std::to_string(gateway_starts_) + ".log"), 40);
    tail(dir_ / ("server-" + std::to_string(server_starts_) + ".log"), 40);
    tail(dir_ / "mosquitto.log", 20);
    server_query("SELECT reason, COUNT(*) FROM quarantine GROUP BY reason",
                 [&](const Statement& st) {
                   out << "quarantine " << st.column_text(0) << ": " << st.column_int(1) << "\n";
                 });
    query(outbox_path_, "SELECT COUNT(*) FROM outbox", [&](sqlite3_stmt* st) {
      out << "outbox rows " << sqlite3_column_int64(st, 0) << "\n";
    });
  }

  void stop_devices() {
    for (auto& sim : sims_) sim->stop(5s);
  }

  long outbox_rows() {
    long rows = -1;
    query(outbox_path_, "SELECT COUNT(*) FROM outbox",
          [&](sqlite3_stmt* s) { rows = static_cast<long>(sqlite3_column_int64(s, 0)); });
    return rows;
  }

 private:
  static constexpr const char* kGateway = "gw-rel-0001";

  std::vector<reliability::LedgerEntry> read_ledgers() {
    std::vector<reliability::LedgerEntry> out;
    for (const auto& s : serials_) {
      std::ifstream in(dir_ / ("ledger-" + s + ".jsonl"));
      std::string line;
      while (std::getline(in, line)) {
        if (line.empty()) continue;
        auto v = json::parse(line).as_object();
        reliability::LedgerEntry e{std::string(v.at("serial").as_string()),
                                   std::string(v.at("record").as_string())};
        if (const auto* kind = v.if_contains("kind")) e.kind = std::string(kind->as_string());
        out.push_back(std::move(e));
      }
    }
    return out;
  }

  template <typename Row>
  void query(const std::string& path, const char* sql, Row&& row) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_busy_timeout(db, 5000);
      sqlite3_stmt* stmt = nullptr;
      if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK) {
        while (sqlite3_step(stmt) == SQLITE_ROW) row(stmt);
      }
      sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
  }

  // A query on the server's store, SQLite file or PostgreSQL database alike (a connection of
  // its own each time, as a clinician's tool would open). Nothing when the store cannot be
  // opened (not created yet, or the server mid-restart): callers poll.
  template <typename Row>
  void server_query(const std::string& sql, Row&& row) {
    auto db = Database::open(store_location_);
    if (!db) return;
    auto st = (*db)->prepare(sql);
    if (!st) return;
    while (true) {
      auto more = st->step();
      if (!more || !*more) break;
      row(*st);
    }
  }

  static std::string text(sqlite3_stmt* s, int i) {
    const auto* p = sqlite3_column_text(s, i);
    return p ? reinterpret_cast<const char*>(p) : "";
  }

  std::vector<reliability::StoredRow> read_stored() {
    std::vector<reliability::StoredRow> out;
    server_query("SELECT reading_uid, patient_id, gateway_id FROM readings",
                 [&](const Statement& s) {
                   out.push_back({s.column_text(0), s.column_text(1), s.column_text(2)});
                 });
    return out;
  }

  static std::vector<std::string> in(std::vector<std::string> prefix,
                                     std::vector<std::string> argv) {
    prefix.insert(prefix.end(), argv.begin(), argv.end());
    return prefix;
  }

  const Options& o_;
  TempDir dir_;
  // The server's store: dir_/server.db, or a fresh PostgreSQL database when the run is a
  // "[postgresql]" one (KOTONA_TEST_POSTGRES, tests/support/store_location.h).
  std::string store_location_ = test_store_location(dir_.path());
  std::unique_ptr<Topology> net_;  // before broker_ and the children: outlives them
  Mosquitto broker_;
  std::mt19937 rng_;
  std::vector<std::string> serials_;
  std::map<std::string, std::string> patients_;
  std::unique_ptr<Child> server_;
  std::unique_ptr<Child> gateway_;
  std::vector<std::unique_ptr<Child>> sims_;
  int server_starts_ = 0;
  int gateway_starts_ = 0;
  std::map<std::string, std::int64_t> device_clock_offsets_;
  std::string hub_clock_file_;
  std::string server_extra_;
  std::string gateway_extra_;  // replaces status_interval_ms = 5000 when set
  int sim_reply_timeout_ms_ = 1000;
  std::string outbox_path_ = (dir_ / "outbox.db").string();
  std::string hubfs_;  // the tmpfs mount point (hub-disk-full), empty when none
};

int uniform(std::mt19937& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

void pause_ms(std::mt19937& rng, int lo, int hi) {
  std::this_thread::sleep_for(std::chrono::milliseconds(uniform(rng, lo, hi)));
}

// kill -9 of a random component, restarted after a random outage.
json::object random_kills(Rig& rig, const Options& o) {
  int by_target[3] = {0, 0, 0};
  for (int k = 0; k < o.kills; ++k) {
    pause_ms(rig.rng(), 60, 260);
    int target = uniform(rig.rng(), 0, 2);
    ++by_target[target];
    if (target == 0) {
      rig.kill_gateway();
      pause_ms(rig.rng(), 0, 150);
      rig.start_gateway();
    } else if (target == 1) {
      rig.broker().kill9();
      pause_ms(rig.rng(), 0, 150);
      rig.broker().start();
    } else {
      rig.kill_server();
      pause_ms(rig.rng(), 0, 150);
      rig.start_server();
    }
  }
  return {{"kills", o.kills},
          {"gateway_kills", by_target[0]},
          {"broker_kills", by_target[1]},
          {"server_kills", by_target[2]}};
}

// A broker without persistence restarted (SIGTERM or kill -9): sessions, subscriptions and
// queued messages are gone each time.
json::object broker_forgets(Rig& rig, const Options& o) {
  for (int k = 0; k < o.kills; ++k) {
    pause_ms(rig.rng(), 200, 700);
    if (uniform(rig.rng(), 0, 1) == 0) {
      rig.broker().stop();
    } else {
      rig.broker().kill9();
    }
    pause_ms(rig.rng(), 0, 300);
    rig.broker().start();
  }
  return {{"restarts", o.kills}};
}

// SIGKILL at a named point: the process is restarted with KOTONA_CRASH_AT=point:n, dies there,
// and is restarted clean. A point never reached within 5 s counts as not reached.
json::object named_crash(Rig& rig, const Options& o) {
  json::object per_point;
  std::vector<std::string> points = o.point.empty() ? kCrashPoints : std::vector{o.point};
  for (const auto& point : points) {
    bool gateway = point.rfind("gateway.", 0) == 0;
    int reached = 0;
    for (int run = 0; run < o.runs; ++run) {
      std::string spec = point + ":" + std::to_string(uniform(rig.rng(), 1, 3));
      Child& before = gateway ? rig.gateway() : rig.server();
      before.stop(5s);
      if (gateway) rig.start_gateway(spec); else rig.start_server(spec);
      Child& armed = gateway ? rig.gateway() : rig.server();
      auto deadline = Clock::now() + 5s;
      while (armed.running() && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
      if (!armed.running()) ++reached;
      if (gateway) rig.start_gateway(); else rig.start_server();
      pause_ms(rig.rng(), 50, 200);
    }
    per_point[point] = json::object{{"runs", o.runs}, {"crashed_at_point", reached}};
  }
  return {{"points", per_point}};
}

// Broker queue overflow: the server's persistent session may hold 10 queued messages; the
// server is stopped for 1-4 s at a time while the devices go on, so the broker drops what does
// not fit (after PUBACKing it to the gateway). Only the gateway's ack timeout brings those
// readings back. The broker's own drop counter (via the server's technical alert) proves the
// overflow happened.
json::object queue_overflow(Rig& rig, const Options& o) {
  for (int k = 0; k < o.kills; ++k) {
    pause_ms(rig.rng(), 300, 1000);
    rig.server().stop(5s);
    pause_ms(rig.rng(), 1000, 4000);
    rig.start_server();
  }
  return {{"server_stops", o.kills}};
}

// Clock faults: device clocks years off (set before start), and the hub's wall clock stepped
// between right, years behind (before 2020, as after an RTC battery dies), years ahead and back
// again, --faults times, every 0.5-2 s; a third of the steps also kill -9 the gateway, a third
// the broker.
json::object clock_faults(Rig& rig, const Options& o) {
  const std::vector<std::string> offsets{"+0", "-3y", "-12y", "+2y", "+30d", "-1d", "+0"};
  json::object by_offset;
  int restarts = 0;
  int broker_kills = 0;
  for (int k = 0; k < o.faults; ++k) {
    pause_ms(rig.rng(), 500, 2000);
    const auto& offset = offsets[static_cast<std::size_t>(uniform(rig.rng(), 0, 6))];
    rig.set_hub_clock(offset);
    by_offset[offset] = (by_offset.contains(offset) ? by_offset[offset].as_int64() : 0) + 1;
    int what = uniform(rig.rng(), 0, 2);
    if (what == 0) {
      rig.kill_gateway();
      rig.start_gateway();
      ++restarts;
    } else if (what == 1) {  // messages in flight lost: re-sends must happen in any clock
      rig.broker().kill9();
      pause_ms(rig.rng(), 0, 150);
      rig.broker().start();
      ++broker_kills;
    }
  }
  rig.set_hub_clock("+0");
  return {{"steps", o.faults},
          {"by_offset", by_offset},
          {"gateway_restarts", restarts},
          {"broker_kills", broker_kills}};
}

// Network faults on the two links (hub-broker, broker-server), one at a time, healed after
// 0.3-3 s; then a partition of the hub long enough to build a backlog of o.backlog readings in
// the outbox, healed after the devices stop: the time to drain it is backlog_drain_ms.
json::object partitions(Rig& rig, const Options& o) {
  const Fault kinds[] = {Fault::kLinkDown, Fault::kSilentDrop, Fault::kReset,
                         Fault::kOneWayToBroker, Fault::kOneWayFromBroker};
  json::object by_kind;
  auto count = [&](const std::string& key) {
    by_kind[key] = (by_kind.contains(key) ? by_kind[key].as_int64() : 0) + 1;
  };
  for (int k = 0; k < o.faults; ++k) {
    pause_ms(rig.rng(), 200, 800);
    Link link = uniform(rig.rng(), 0, 1) == 0 ? Link::kHubBroker : Link::kBrokerServer;
    int kind = uniform(rig.rng(), 0, 5);
    if (kind == 5) {  // flapping: down/up in quick turns for 1-3 s
      auto until = Clock::now() + std::chrono::milliseconds(uniform(rig.rng(), 1000, 3000));
      bool down = false;
      while (Clock::now() < until) {
        down = !down;
        rig.net().set_down(link, down);
        pause_ms(rig.rng(), 100, 400);
      }
      count(std::string(to_string(link)) + ":flapping");
    } else {
      rig.net().apply(link, kinds[kind]);
      pause_ms(rig.rng(), 300, 3000);
      count(std::string(to_string(link)) + ":" + to_string(kinds[kind]));
    }
    rig.net().heal();
  }
  // The backlog: the hub cut off silently (the worst case: no reset, no carrier loss).
  rig.net().apply(Link::kHubBroker, Fault::kSilentDrop);
  auto started = Clock::now();
  long rows = 0;
  while ((rows = rig.outbox_rows()) < o.backlog &&
         Clock::now() - started < std::chrono::seconds(600)) {
    std::this_thread::sleep_for(500ms);
  }
  rig.stop_devices();
  rows = rig.outbox_rows();
  std::cerr << "reliability: backlog of " << rows << " readings built in "
            << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started).count()
            << " s; healing\n";
  rig.net().heal();
  return {{"faults", o.faults}, {"by_kind", by_kind}, {"backlog", rows}};
}

// Hub disk full (issue 22). The outbox lives on a small tmpfs. Broker and server stop, the
// filesystem is filled to the last byte with a ballast file (it stays to the end) while the
// meters go on, then broker and server come back. Passes (with the drain's 0 lost, 0
// duplicated, empty outbox) only if the hub said "outbox disk full", the server raised
// gateway.disk_full from the heartbeat, and the meters were refused at once: with the real
// 15 s reply timeout, a hub that only withholds its ACK lets each meter fail one transfer per
// 15 s; one that NAKs fails several within the 6 s watched.
json::object hub_disk_full(Rig& rig) {
  std::this_thread::sleep_for(2s);  // the chain works first
  rig.server().stop(5s);
  rig.broker().stop();
  // A backlog first, so the deletes after the fill are many (they need the reserve).
  eventually([&] { return rig.outbox_rows() >= 2000; }, 20s);
  auto ballast = rig.fill_hub_disk();
  bool full = eventually(
      [&] { return rig.gateway().log_text().find("outbox disk full") != std::string::npos; },
      20s);
  long refused_before = rig.sim_log_lines("aborted");
  std::this_thread::sleep_for(6s);
  long refused = rig.sim_log_lines("aborted") - refused_before;
  long rows = rig.outbox_rows();
  std::cerr << "reliability: disk full (" << ballast << " B ballast, " << rows
            << " outbox rows); meters refused " << refused << " times in 6 s; chain back\n";
  rig.broker().start();
  rig.start_server();
  return {{"ballast_bytes", ballast},
          {"full_logged", full},
          {"outbox_rows_when_full", rows},
          {"meter_refusals_in_6s", refused}};
}

// Escalation deadlines under kill -9 (invariant 7): the devices raise high alerts (every 4th
// reading is a crisis; one open alert per patient, grouped), the server escalates after
// kEscalateAfter and is killed every 0.1-0.5 s, so no server instance lives to a deadline.
// The alerts that exist at the last kill must all escalate after the final restart.
constexpr int kEscalateAfterS = 2;

json::object escalation_restart(Rig& rig, const Options& o, std::set<std::string>& pending) {
  for (int k = 0; k < o.kills; ++k) {
    pause_ms(rig.rng(), 100, 500);
    rig.kill_server();
    if (k + 1 == o.kills) {
      for (const auto& a : rig.high_alerts()) pending.insert(a.alert_id);
    }
    pause_ms(rig.rng(), 0, 150);
    rig.start_server();
  }
  return {{"server_kills", o.kills}, {"alerts_at_last_kill", pending.size()}};
}

// After the drain: every alert pending at the last kill escalated, none before its deadline.
bool check_escalations(Rig& rig, const Options& o, const std::set<std::string>& pending,
                       json::object& faults) {
  auto deadline = Clock::now() + std::chrono::seconds(kEscalateAfterS + 5);
  std::int64_t escalated = 0, early = 0;
  while (true) {
    escalated = early = 0;
    for (const auto& a : rig.high_alerts()) {
      if (!pending.contains(a.alert_id)) continue;
      if (a.tier >= 1 && a.first_escalation_ms >= 0) ++escalated;
      if (a.first_escalation_ms >= 0 &&
          a.first_escalation_ms < a.created_ms + kEscalateAfterS * 1000) {
        ++early;
      }
    }
    if (escalated == static_cast<std::int64_t>(pending.size()) || Clock::now() > deadline) break;
    std::this_thread::sleep_for(200ms);
  }
  // The audit chain written under kill -9 still verifies (kotona-server --verify-audit).
  Child verify({o.server_bin, "--config", rig.server_conf(), "--verify-audit"},
               std::filesystem::path(rig.dir()) / "verify-audit.log");
  eventually([&] { return !verify.running(); }, 10s);
  int verify_rc = verify.stop(1s);
  faults["escalated"] = escalated;
  faults["escalated_early"] = early;
  faults["audit_verify_exit"] = verify_rc;
  std::cerr << "reliability: " << escalated << " of " << pending.size()
            << " high alerts escalated after the last kill (" << early << " early), "
            << "--verify-audit exit " << verify_rc << "\n";
  return !pending.empty() && escalated == static_cast<std::int64_t>(pending.size()) &&
         early == 0 && verify_rc == 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<Options> options;
  try {
    options = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "kotona-reliability: " << e.what() << "\n";
    usage(std::cerr);
    return 2;
  }
  if (!options) {
    usage(std::cerr);
    return 2;
  }
  const Options& o = *options;
  auto started = Clock::now();
  json::object card{{"scenario", o.scenario},
                    {"seed", o.seed},
                    {"store", testing_postgres() ? "postgresql" : "sqlite"}};
  bool passed = false;
  try {
    Rig rig(o, o.scenario != "broker-forgets", o.scenario == "partitions");
    if (o.scenario == "queue-overflow") {
      rig.broker().set_extra_config("max_queued_messages 10\nsys_interval 1\n");
    }
    if (o.scenario == "escalation-restart") {
      rig.set_server_extra("escalate_after_s = " + std::to_string(kEscalateAfterS) +
                           "\nescalation_check_ms = 100\n");
    }
    if (o.scenario == "hub-disk-full") {
      // Default outbox_reserve_kb (1 MiB): the config a gateway from before issue 22 accepts
      // too, so the same run is the negative control against it.
      rig.set_gateway_extra("status_interval_ms = 1000\n");
      rig.set_server_extra("technical_check_ms = 200\n");
      rig.set_sim_reply_timeout_ms(15000);  // LIS01-A2 §6.5.2: a real meter's timer
    }
    if (o.scenario == "clock-faults") {
      // Device clocks: right, 3 years behind, 20 years ahead, 40 years behind (1986).
      const std::int64_t year = 365LL * 86400;
      const std::int64_t offsets[] = {0, -3 * year, 20 * year, -40 * year};
      for (std::size_t i = 0; i < rig.serials().size(); ++i) {
        rig.set_device_clock_offset(rig.serials()[i], offsets[i % 4]);
      }
      rig.fake_hub_clock("+0");
    }
    rig.start_all();
    std::cerr << "reliability: " << o.scenario << " running in " << rig.dir() << "\n";
    json::object faults;
    std::set<std::string> pending_escalations;
    if (o.scenario == "random-kills") faults = random_kills(rig, o);
    else if (o.scenario == "escalation-restart")
      faults = escalation_restart(rig, o, pending_escalations);
    else if (o.scenario == "broker-forgets") faults = broker_forgets(rig, o);
    else if (o.scenario == "partitions") faults = partitions(rig, o);
    else if (o.scenario == "clock-faults") faults = clock_faults(rig, o);
    else if (o.scenario == "queue-overflow") faults = queue_overflow(rig, o);
    else if (o.scenario == "hub-disk-full") faults = hub_disk_full(rig);
    else faults = named_crash(rig, o);
    auto d = rig.drain();
    card["faults"] = faults;
    card["emitted"] = d.score.emitted;
    card["stored"] = d.score.stored;
    card["lost"] = d.score.lost;
    card["duplicated"] = d.score.duplicated;
    card["misattributed"] = d.score.misattributed;
    card["unledgered"] = d.score.unledgered;
    card["outbox_left"] = d.outbox_left;
    card["drain_ms"] = static_cast<std::int64_t>(d.seconds * 1000);
    json::array examples;
    for (const auto& e : d.score.examples) examples.emplace_back(e);
    card["examples"] = examples;
    bool crashes_ok = true;
    if (o.scenario == "named-crash") {
      for (const auto& [point, v] : faults.at("points").as_object()) {
        // Most runs must really die at the point, or the scenario proves nothing.
        crashes_ok = crashes_ok && v.at("crashed_at_point").as_int64() * 10 >= o.runs * 9;
      }
    }
    if (o.scenario == "queue-overflow") {
      // The broker must really have dropped messages, and the server must have said so.
      std::this_thread::sleep_for(2s);  // one more $SYS report
      faults["broker_dropped"] = rig.broker_dropped_seen();
      faults["dropped_alerts"] = rig.alerts_with_rule("broker.dropped_messages");
      crashes_ok = faults.at("broker_dropped").as_int64() > 0 &&
                   faults.at("dropped_alerts").as_int64() > 0;
      card["faults"] = faults;
    }
    if (o.scenario == "escalation-restart") {
      crashes_ok = check_escalations(rig, o, pending_escalations, faults);
      card["faults"] = faults;
    }
    if (o.scenario == "hub-disk-full") {
      eventually([&] { return rig.alerts_with_rule("gateway.disk_full") > 0; }, 5s);
      faults["disk_full_alerts"] = rig.alerts_with_rule("gateway.disk_full");
      card["faults"] = faults;
      crashes_ok = faults.at("full_logged").as_bool() &&
                   faults.at("disk_full_alerts").as_int64() > 0 &&
                   faults.at("meter_refusals_in_6s").as_int64() >= 2 * o.devices;
    }
    if (o.scenario == "partitions") {
      // Issue 5: a backlog of o.backlog readings drains within 60 s of healing.
      crashes_ok = faults.at("backlog").as_int64() >= o.backlog && d.seconds <= 60.0;
    }
    passed = d.score.ok() && d.outbox_left == 0 && d.score.emitted > 0 && crashes_ok;
    if (!passed && !o.expect_failures) rig.print_diagnostics(std::cerr);
  } catch (const std::exception& e) {
    card["error"] = e.what();
  }
  card["passed"] = passed;
  card["run_s"] = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started).count();
  std::cout << json::serialize(card) << "\n"
            << (passed ? 1 : 0) << " passed, " << (passed ? 0 : 1) << " failed\n";
  if (o.expect_failures) {
    std::cout << "negative control: the scenario " << (passed ? "PASSED (harness proves nothing!)" : "failed, as it must") << "\n";
    return passed ? 1 : 0;
  }
  return passed ? 0 : 1;
}
