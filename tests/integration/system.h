// SystemUnderTest: the whole Kotona chain as real processes for cross-component tests — a real
// mosquitto on a free loopback port, kotona-server (SQLite, HTTP on a free port), simulated
// devices on pseudo-terminals or, for BLE, on a private dbus-daemon playing BlueZ
// (kotona-firmware-sim) and kotona-gateway. Everything lives in one
// TempDir and is killed on destruction. Not thread-safe.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/support/dbus_daemon.h"
#include "tests/support/http_client.h"
#include "tests/support/mosquitto.h"
#include "tests/support/process.h"

namespace kotona::test {

struct SimDevice {
  std::string serial;
  std::vector<std::string> script;  // firmware-sim script words, e.g. {"measure", "185/115/80"}
  std::vector<std::string> options;  // extra firmware-sim options
  std::string device = "astm-bp";    // firmware-sim DEVICE; the gateway gets its driver
  // Non-empty: the pty link is <temp>/by-id/<by_id_name>, the gateway's serial_by_id_dir.
  // implant-relay is then found there by its driver's pattern (no device line); other devices
  // get `device = DRIVER <by_id_name>`, a bare stable name.
  std::string by_id_name = "";
  // BLE devices (device "ble-*"): served on the system's private dbus-daemon at this address;
  // the gateway finds them by service UUID. One per system (each owns org.bluez on the bus).
  std::string ble_address = "C0:FF:EE:00:00:01";
  // Non-empty (astm-glucose only): a USB HID meter (issue 14), node <temp>/dev/<hid_node>
  // listed in <temp>/sys/class/hidraw, found by the gateway through its USB ids (no device line).
  std::string hid_node = "";
};

class SystemUnderTest {
 public:
  explicit SystemUnderTest(std::string gateway_id = "gw-test-0001");
  ~SystemUnderTest();

  void start_broker();
  // Starts the server and waits for its feed and subscription. Enrols every serial given.
  void start_server(const std::vector<std::string>& enrolled_serials);
  // Scale-out: another server instance on the same broker (shared subscription) and the same
  // store (PostgreSQL in the "[postgresql]" runs), its own MQTT client id and HTTP port.
  // Call after start_server(). Returns the instance's HTTP port.
  int start_peer_server();
  void kill_peer_server(std::size_t index);  // SIGKILL, index in start order
  // GET /metrics of the server on `port` (admin login) -> counter value, 0 when absent.
  long server_counter(int port, const std::string& name);
  void stop_server();   // SIGTERM
  void kill_server();   // SIGKILL
  void start_device(const SimDevice& device);
  // The private dbus-daemon for BLE devices (start_device starts it for the first one); the
  // gateway is configured for BLE whenever it exists.
  void start_ble_bus();
  void stop_device(const std::string& serial);
  void start_gateway();
  void stop_gateway();
  void kill_gateway();

  // Appended to server.conf by start_server() (e.g. technical alert thresholds).
  std::string extra_server_config;
  // Appended to gateway.conf by start_gateway() (e.g. ble_pair = on).
  std::string extra_gateway_config;

  int http_port() const { return http_port_; }
  const std::string& gateway_id() const { return gateway_id_; }
  std::string expected_uid(const std::string& serial, const std::string& record,
                           const std::string& kind = "bp") const;

  boost::json::array get_json_array(const std::string& target);
  // reading_uid -> how many times the server lists it.
  std::map<std::string, int> server_reading_uids();
  // One ledger line and the uid the server should hold it under: from the device's record (serial
  // devices `r<record>`, BLE `uid_key`), or, for a line marked hub_assigned (a device without
  // record numbers or clock: docs/contracts.md), the server's hub-named readings (`h<hub ms>`)
  // of that serial and kind matched to those lines in order; a line with no such reading left
  // gets a uid the server never holds (`h-missing-N`), so it counts as lost.
  struct LedgerEntry {
    std::string uid;
    boost::json::object line;
  };
  std::vector<LedgerEntry> ledger_entries();
  // Every reading the simulated devices consider delivered (their ledgers), as expected uids.
  std::vector<std::string> ledger_uids();
  // Rows still in the gateway's outbox (opened read-only).
  long outbox_rows();
  std::string diagnostics();  // tails of every log, for failure messages
  std::string gateway_log() const { return gateway_ ? gateway_->log_text() : std::string(); }
  std::string device_log(const std::string& serial) const;
  // The private bus BLE devices are served on (started by the first BLE start_device).
  const std::string& ble_bus_address() const;
  // The record cursor the gateway stored for (driver, BLE address), -1 when none.
  long stored_cursor(const std::string& driver, const std::string& address);
  // Runs SQL on the gateway's outbox (another connection), e.g. to make inserts fail.
  void outbox_exec(const std::string& sql);

  TempDir& dir() { return dir_; }
  // The server store's location (SQLite file or PostgreSQL URI, support/store_location.h), set
  // by start_server(): tests read it through server/store's Database, never a backend directly.
  const std::string& store_location() const { return store_location_; }
  // Before start_server(): the store to use instead of a fresh test store (fault tests: a
  // private PostgreSQL cluster, an SQLite file on a small filesystem).
  void set_store_location(std::string location) { store_location_ = std::move(location); }
  Mosquitto& broker() { return *broker_; }
  // Process ids for the bench's /proc readings; -1 when not running.
  pid_t server_pid() const { return server_ ? server_->pid() : -1; }
  pid_t gateway_pid() const { return gateway_ ? gateway_->pid() : -1; }

 private:
  // ledger_entries(): gives the hub_assigned lines ("serial/kind" -> indexes into out) their uid.
  void name_hub_assigned(const std::map<std::string, std::vector<std::size_t>>& hub_assigned,
                         std::vector<LedgerEntry>& out);
  void start_hid_device(const SimDevice& device);
  std::unique_ptr<Child> launch_server(const std::string& client_id,
                                       const std::filesystem::path& log, int& http_port);
  std::string gateway_id_;
  TempDir dir_;
  std::string store_location_;  // the server store, kept across server restarts
  std::unique_ptr<Mosquitto> broker_;
  std::unique_ptr<Child> server_;
  std::vector<std::unique_ptr<Child>> peers_;
  std::string token_;  // admin token of the first server instance
  std::unique_ptr<Child> gateway_;
  std::map<std::string, std::unique_ptr<Child>> devices_;
  std::unique_ptr<DbusDaemon> bus_;
  std::map<std::string, std::string> drivers_;  // serial -> gateway driver name
  std::map<std::string, std::string> by_id_;    // serial -> by-id name (if any)
  std::vector<std::string> enrolled_;
  int http_port_ = 0;
  int server_starts_ = 0;
};

// What the broker carries on `topic` (an MQTT filter), as a subscriber sees it: mosquitto_sub
// (MQTT v5, QoS 1) from construction on, one hex line per payload in <temp>/<file>. `count` > 0:
// it ends after that many messages, or after 10 s without; 0: it runs until destroyed. One
// tap for every test that reads the wire (readings, heartbeats). Not thread-safe.
class BrokerTap {
 public:
  BrokerTap(SystemUnderTest& sys, const std::string& topic, const std::string& file, int count = 0);
  // The payloads received so far, in order; a line that is not hex (an error) is skipped.
  std::vector<std::string> payloads() const;
  // Waits (at most `timeout`) until mosquitto_sub has ended; with `count` > 0 only.
  void wait_done(std::chrono::milliseconds timeout);

 private:
  std::filesystem::path path_;
  Child child_;
};

}  // namespace kotona::test
