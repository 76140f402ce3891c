#include "tests/integration/system.h"

#include <sqlite3.h>

#include <algorithm>
#include <boost/json/src.hpp>  // header-only Boost.JSON: this is its one translation unit
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "tests/support/hex.h"
#include "tests/support/outbox_probe.h"
#include "tests/support/store_location.h"

namespace kotona::test {

using namespace std::chrono_literals;

SystemUnderTest::SystemUnderTest(std::string gateway_id) : gateway_id_(std::move(gateway_id)) {}

SystemUnderTest::~SystemUnderTest() {
  if (gateway_) gateway_->kill9();
  for (auto& [serial, child] : devices_) child->stop(2s);
  if (server_) server_->kill9();
}

void SystemUnderTest::start_broker() {
  broker_ = std::make_unique<Mosquitto>(dir_.path());
  broker_->start();
}

void SystemUnderTest::start_server(const std::vector<std::string>& enrolled_serials) {
  if (!enrolled_serials.empty()) enrolled_ = enrolled_serials;
  if (store_location_.empty()) store_location_ = test::test_store_location(dir_.path());
  auto log = dir_ / ("server-" + std::to_string(++server_starts_) + ".log");
  server_ = launch_server("kotona-ingest-test", log, http_port_);
  // Tokens live in the server's memory: every start needs a new login.
  auto token = http_login(http_port_, "admin", kTestPassword);
  if (!token) throw std::runtime_error("test admin login failed:\n" + diagnostics());
  token_ = *token;
  set_bearer_token(token_);
}

std::unique_ptr<Child> SystemUnderTest::launch_server(const std::string& client_id,
                                                      const std::filesystem::path& log,
                                                      int& http_port) {
  auto conf = dir_ / (client_id + ".conf");
  {
    std::ofstream out(conf);
    out << "mqtt_uri = " << broker_->uri() << "\n"
        << "mqtt_client_id = " << client_id << "\n"
        << "db_path = " << store_location_ << "\n"
        << "http_listen = 127.0.0.1:0\n" << test_admin_config();
    int n = 1;
    for (const auto& serial : enrolled_) {
      out << "enrol = " << gateway_id_ << " " << serial << " patient-" << n++ << "\n";
    }
    out << extra_server_config;
  }
  auto server = std::make_unique<Child>(
      std::vector<std::string>{bin("server/kotona-server"), "--config", conf.string()}, log);
  auto line = server->wait_for_log("clinician feed at http://127.0.0.1:", 20s);
  if (!line) throw std::runtime_error("server did not start:\n" + server->log_text());
  std::smatch m;
  std::regex port_re("127\\.0\\.0\\.1:([0-9]+)/");
  if (!std::regex_search(*line, m, port_re)) throw std::runtime_error("no port in: " + *line);
  http_port = std::stoi(m[1]);
  if (!server->wait_for_log("ingest subscribed", 20s)) {
    throw std::runtime_error("server did not subscribe:\n" + server->log_text());
  }
  return server;
}

int SystemUnderTest::start_peer_server() {
  const std::string id = "kotona-ingest-peer-" + std::to_string(peers_.size() + 1);
  int port = 0;
  peers_.push_back(launch_server(id, dir_ / (id + ".log"), port));
  return port;
}

void SystemUnderTest::kill_peer_server(std::size_t index) { peers_.at(index)->kill9(); }

long SystemUnderTest::server_counter(int port, const std::string& name) {
  auto token = http_login(port, "admin", kTestPassword);  // tokens are per instance
  if (!token) return -1;
  set_bearer_token(*token);
  auto res = http_get(port, "/metrics");
  set_bearer_token(token_);
  if (!res) return -1;
  std::smatch m;
  std::regex line_re("(^|\n)[a-z_]*" + name + " ([0-9]+)");
  if (!std::regex_search(res->body, m, line_re)) return 0;
  return std::stol(m[2]);
}

void SystemUnderTest::stop_server() {
  if (server_) server_->stop();
}

void SystemUnderTest::kill_server() {
  if (server_) server_->kill9();
}

void SystemUnderTest::start_device(const SimDevice& device) {
  if (device.device.rfind("ble-", 0) == 0) {
    start_ble_bus();
    std::vector<std::string> argv{bin("firmware-sim/kotona-firmware-sim"), device.device,
                                  "--bus", bus_->address(), "--address", device.ble_address,
                                  "--serial", device.serial, "--ledger",
                                  (dir_ / ("ledger-" + device.serial + ".jsonl")).string()};
    argv.insert(argv.end(), device.options.begin(), device.options.end());
    argv.insert(argv.end(), device.script.begin(), device.script.end());
    auto child = std::make_unique<Child>(argv, dir_ / ("sim-" + device.serial + ".log"));
    if (!child->wait_for_log("device ready on", 10s)) {
      throw std::runtime_error("firmware-sim did not start:\n" + child->log_text());
    }
    devices_[device.serial] = std::move(child);
    return;  // found by the gateway through discovery: no device line
  }
  if (!device.hid_node.empty()) {
    start_hid_device(device);
    return;
  }
  std::filesystem::create_directories(dir_ / "by-id");
  auto link = device.by_id_name.empty() ? dir_ / ("dev-" + device.serial)
                                        : dir_ / "by-id" / device.by_id_name;
  by_id_[device.serial] = device.by_id_name;
  std::vector<std::string> argv{bin("firmware-sim/kotona-firmware-sim"), device.device,
                                "--link", link.string(), "--serial", device.serial,
                                "--ledger", (dir_ / ("ledger-" + device.serial + ".jsonl")).string()};
  argv.insert(argv.end(), device.options.begin(), device.options.end());
  argv.insert(argv.end(), device.script.begin(), device.script.end());
  auto child = std::make_unique<Child>(argv, dir_ / ("sim-" + device.serial + ".log"));
  if (!child->wait_for_log("device ready on", 10s)) {
    throw std::runtime_error("firmware-sim did not start:\n" + child->log_text());
  }
  devices_[device.serial] = std::move(child);
  std::string driver = device.device;
  std::replace(driver.begin(), driver.end(), '-', '_');  // astm-inr -> astm_inr
  drivers_[device.serial] = driver;
}

void SystemUnderTest::start_hid_device(const SimDevice& device) {
  std::filesystem::create_directories(dir_ / "dev");
  std::filesystem::create_directories(dir_ / "sys" / "class" / "hidraw");
  std::vector<std::string> argv{bin("firmware-sim/kotona-firmware-sim"),
                                device.device,
                                "--transport",
                                "hid",
                                "--link",
                                (dir_ / "dev" / device.hid_node).string(),
                                "--hid-sysfs",
                                (dir_ / "sys" / "class" / "hidraw").string(),
                                "--serial",
                                device.serial,
                                "--ledger",
                                (dir_ / ("ledger-" + device.serial + ".jsonl")).string()};
  argv.insert(argv.end(), device.options.begin(), device.options.end());
  argv.insert(argv.end(), device.script.begin(), device.script.end());
  auto child = std::make_unique<Child>(argv, dir_ / ("sim-" + device.serial + ".log"));
  if (!child->wait_for_log("device ready on", 10s)) {
    throw std::runtime_error("firmware-sim did not start:\n" + child->log_text());
  }
  devices_[device.serial] = std::move(child);  // found through its USB ids: no device line
}

void SystemUnderTest::start_ble_bus() {
  if (!bus_) bus_ = std::make_unique<DbusDaemon>(dir_.path());
}

void SystemUnderTest::stop_device(const std::string& serial) {
  auto it = devices_.find(serial);
  if (it != devices_.end()) it->second->stop();
}

void SystemUnderTest::start_gateway() {
  auto conf = dir_ / "gateway.conf";
  {
    std::ofstream out(conf);
    out << "gateway_id = " << gateway_id_ << "\n"
        << "mqtt_uri = " << broker_->uri() << "\n"
        << "outbox_path = " << (dir_ / "outbox.db").string() << "\n"
        << "ack_timeout_ms = 3000\n"
        << "reconnect_min_ms = 100\n"
        << "reconnect_max_ms = 1000\n"
        << "status_interval_ms = 2000\n";
    std::filesystem::create_directories(dir_ / "by-id");
    out << "serial_by_id_dir = " << (dir_ / "by-id").string() << "\n";
    // Never the machine's own hidraw nodes: a test tree, empty unless a HID meter runs.
    std::filesystem::create_directories(dir_ / "sys" / "class" / "hidraw");
    out << "hid_sysfs_dir = " << (dir_ / "sys" / "class" / "hidraw").string() << "\n"
        << "hid_dev_dir = " << (dir_ / "dev").string() << "\n";
    if (bus_) {
      out << "ble_adapter = hci0\n"
          << "ble_bus = " << bus_->address() << "\n"
          << "ble_retry_ms = 200\n"
          << "ble_rescan_ms = 2000\n";
    }
    for (const auto& [serial, child] : devices_) {
      if (!drivers_.count(serial)) continue;  // BLE: discovered
      const std::string& by_id = by_id_[serial];
      if (by_id.empty()) {
        out << "device = " << drivers_[serial] << " " << (dir_ / ("dev-" + serial)).string()
            << "\n";
      } else if (drivers_[serial] != "implant_relay") {
        out << "device = " << drivers_[serial] << " " << by_id << "\n";
      }
    }
    out << extra_gateway_config;
  }
  gateway_ = std::make_unique<Child>(
      std::vector<std::string>{bin("gateway/kotona-gateway"), "--config", conf.string()},
      dir_ / "gateway.log");
  if (!gateway_->wait_for_log("uplink connected", 20s)) {
    throw std::runtime_error("gateway did not connect:\n" + diagnostics());
  }
}

void SystemUnderTest::stop_gateway() {
  if (gateway_) gateway_->stop();
}

void SystemUnderTest::kill_gateway() {
  if (gateway_) gateway_->kill9();
}

std::string SystemUnderTest::expected_uid(const std::string& serial, const std::string& record,
                                          const std::string& kind) const {
  return gateway_id_ + "/" + serial + "/r" + record + "/" + kind;
}

std::string SystemUnderTest::device_log(const std::string& serial) const {
  auto it = devices_.find(serial);
  return it == devices_.end() ? std::string() : it->second->log_text();
}

boost::json::array SystemUnderTest::get_json_array(const std::string& target) {
  auto response = http_get(http_port_, target);
  if (!response || response->status != 200) return {};
  boost::system::error_code ec;
  auto value = boost::json::parse(response->body, ec);
  if (ec || !value.is_array()) return {};
  return value.as_array();
}

std::map<std::string, int> SystemUnderTest::server_reading_uids() {
  std::map<std::string, int> out;
  for (const auto& item : get_json_array("/api/v1/readings")) {
    out[std::string(item.at("reading_uid").as_string())]++;
  }
  return out;
}

namespace {

// `h<digits>` of "<gateway>/<serial>/h<digits>/<kind>": the hub's receive time in ms, or -1.
long long hub_named(const std::string& uid, const std::string& prefix, const std::string& kind) {
  static const std::regex re("h([0-9]+)");
  const std::string suffix = "/" + kind;
  if (uid.rfind(prefix, 0) != 0 || uid.size() < prefix.size() + suffix.size() ||
      uid.compare(uid.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return -1;
  }
  std::smatch m;
  const std::string key = uid.substr(prefix.size(), uid.size() - prefix.size() - suffix.size());
  return std::regex_match(key, m, re) ? std::stoll(m[1]) : -1;
}

}  // namespace

std::vector<SystemUnderTest::LedgerEntry> SystemUnderTest::ledger_entries() {
  std::vector<LedgerEntry> out;
  std::map<std::string, std::vector<std::size_t>> hub_assigned;  // "serial/kind" -> lines
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    auto name = entry.path().filename().string();
    if (name.rfind("ledger-", 0) != 0) continue;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      auto v = boost::json::parse(line).as_object();
      if (v.if_contains("off_skin")) continue;  // sent off the skin: the hub must not store it
      const auto* kind = v.if_contains("kind");
      const std::string serial(v.at("serial").as_string());
      const std::string k = kind ? std::string(kind->as_string()) : std::string("bp");
      std::string uid;
      if (const auto* key = v.if_contains("uid_key")) {  // BLE: the driver's record key
        uid = gateway_id_ + "/" + serial + "/" + std::string(key->as_string()) + "/" + k;
      } else if (v.if_contains("hub_assigned")) {  // named below, from the server's readings
        hub_assigned[serial + "/" + k].push_back(out.size());
      } else {
        uid = expected_uid(serial, std::string(v.at("record").as_string()), k);
      }
      out.push_back({uid, std::move(v)});
    }
  }
  if (!hub_assigned.empty()) name_hub_assigned(hub_assigned, out);
  return out;
}

void SystemUnderTest::name_hub_assigned(
    const std::map<std::string, std::vector<std::size_t>>& hub_assigned,
    std::vector<LedgerEntry>& out) {
  const auto stored = get_json_array("/api/v1/readings?limit=10000");
  for (const auto& [serial_kind, lines] : hub_assigned) {
    const auto slash = serial_kind.rfind('/');
    const std::string prefix = gateway_id_ + "/" + serial_kind.substr(0, slash) + "/";
    const std::string kind = serial_kind.substr(slash + 1);
    std::vector<std::pair<long long, std::string>> named;  // in the order the hub received them
    for (const auto& r : stored) {
      std::string uid(r.at("reading_uid").as_string());
      if (auto ms = hub_named(uid, prefix, kind); ms >= 0) named.emplace_back(ms, std::move(uid));
    }
    std::sort(named.begin(), named.end());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      out[lines[i]].uid = i < named.size() ? named[i].second
                                           : prefix + "h-missing-" + std::to_string(i) + "/" + kind;
    }
  }
}

std::vector<std::string> SystemUnderTest::ledger_uids() {
  std::vector<std::string> out;
  for (auto& entry : ledger_entries()) out.push_back(std::move(entry.uid));
  return out;
}

const std::string& SystemUnderTest::ble_bus_address() const {
  static const std::string kNone;
  return bus_ ? bus_->address() : kNone;
}

long SystemUnderTest::stored_cursor(const std::string& driver, const std::string& address) {
  sqlite3* db = nullptr;
  auto path = (dir_ / "outbox.db").string();
  long out = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 2000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT sequence FROM record_cursor WHERE driver=?1 AND device=?2",
                           -1, &stmt, nullptr) == SQLITE_OK) {
      sqlite3_bind_text(stmt, 1, driver.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(stmt, 2, address.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(stmt) == SQLITE_ROW) out = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

void SystemUnderTest::outbox_exec(const std::string& sql) {
  sqlite3* db = nullptr;
  auto path = (dir_ / "outbox.db").string();
  int rc = sqlite3_open(path.c_str(), &db);
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  }
  std::string message = db ? sqlite3_errmsg(db) : "out of memory";
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error("outbox_exec: " + message);
}

long SystemUnderTest::outbox_rows() { return outbox_row_count((dir_ / "outbox.db").string()); }

std::string SystemUnderTest::diagnostics() {
  std::ostringstream out;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    if (entry.path().extension() != ".log") continue;
    std::ifstream in(entry.path());
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    out << "---- " << entry.path().filename().string() << " (last 25 lines)\n";
    for (std::size_t i = lines.size() > 25 ? lines.size() - 25 : 0; i < lines.size(); ++i) {
      out << lines[i] << "\n";
    }
  }
  return out.str();
}

namespace {

// mosquitto_sub for BrokerTap: payloads as hex lines; with `count`, ends after that many or 10 s.
std::vector<std::string> tap_argv(SystemUnderTest& sys, const std::string& topic, int count) {
  std::vector<std::string> argv{"mosquitto_sub",
                                "-h",
                                "127.0.0.1",
                                "-p",
                                std::to_string(sys.broker().port()),
                                "-V",
                                "mqttv5",
                                "-q",
                                "1",
                                "-t",
                                topic,
                                "-F",
                                "%x"};
  if (count > 0) argv.insert(argv.end(), {"-C", std::to_string(count), "-W", "10"});
  return argv;
}

}  // namespace

BrokerTap::BrokerTap(SystemUnderTest& sys, const std::string& topic, const std::string& file,
                     int count)
    : path_(sys.dir() / file), child_(tap_argv(sys, topic, count), path_) {}

std::vector<std::string> BrokerTap::payloads() const {
  std::vector<std::string> out;
  std::ifstream in(path_);
  for (std::string line; std::getline(in, line);) {
    auto bytes = parse_hex(line);
    if (bytes && !bytes->empty()) out.emplace_back(bytes->begin(), bytes->end());
  }
  return out;
}

void BrokerTap::wait_done(std::chrono::milliseconds timeout) {
  eventually([&] { return !child_.running(); }, timeout);
}

}  // namespace kotona::test
