// Issue 7: the broker ACL / certificate matrix. Real mosquitto with the production config, real
// kotona-server with its own certificate, hubs played with Paho under MQTT 3.1.1 and 5. Every
// cell is judged by what the SERVER DATABASE holds (3.1.1 PUBACKs denied publishes, so only the
// store tells) and by what the other hub's subscriptions received. Results go to stdout as a
// table (and security-matrix.txt in the temp dir).
#include <doctest/doctest.h>
#include <mqtt/async_client.h>

#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>
#include <atomic>
#include <algorithm>

#include "core/reading.h"
#include "proto/codec/wire.h"
#include "server/store/database.h"
#include "tests/security/pki.h"
#include "tests/support/store_location.h"

using namespace kotona;
using namespace kotona::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string kSerial = "BPSEC1";

std::string readings_topic(const std::string& gw) { return "kotona/v1/gw/" + gw + "/readings"; }
std::string acks_topic(const std::string& gw) { return "kotona/v1/gw/" + gw + "/acks"; }

// One reading whose record id names the cell, so the store can be asked about exactly it.
std::string batch(const std::string& payload_gateway, const std::string& record) {
  Reading r;
  r.device.serial = DeviceSerial{kSerial};
  r.record_id = record;
  r.hub_time =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  r.measurement = BloodPressure{120, 80, std::nullopt, 60.0};
  finalize_reading(GatewayId{payload_gateway}, r);
  static std::uint64_t batch_id = 1;
  return wire::encode_batch(GatewayId{payload_gateway}, batch_id++, HubTime{}, {r});
}

// SELECT COUNT(*) ... on the server's store (SQLite file or PostgreSQL database) through the
// store's own Database interface; -1 when it cannot be read.
std::int64_t count(const std::string& store, const std::string& sql) {
  auto db = server::store::Database::open(store);
  if (!db) return -1;
  auto st = (*db)->prepare(sql);
  if (!st) return -1;
  auto row = st->step();
  return row && *row ? st->column_int(0) : -1;
}

// A hub (or an attacker) as an MQTT client; records every message it receives.
class Client {
 public:
  Client(const std::string& uri, const std::string& client_id, int version, const fs::path& ca,
         const ClientCert& cert, std::optional<mqtt::message> will = std::nullopt)
      : version_(version), client_(uri, client_id, mqtt::create_options(version)) {
    client_.set_message_callback([this](mqtt::const_message_ptr m) {
      std::lock_guard lock(mu_);
      received_.push_back(m->get_topic());
    });
    client_.set_connection_lost_handler([this](const std::string&) { lost_ = true; });
    auto ssl = mqtt::ssl_options_builder()
                   .trust_store(ca.string())
                   .enable_server_cert_auth(true)
                   .verify(true)
                   .finalize();
    if (!cert.cert.empty()) {
      ssl.set_key_store(cert.cert);
      ssl.set_private_key(cert.key);
    }
    auto b = mqtt::connect_options_builder()
                 .mqtt_version(version)
                 .connect_timeout(5s)
                 .keep_alive_interval(20s)
                 .ssl(std::move(ssl));
    if (version == MQTTVERSION_5) b.clean_start(true); else b.clean_session(true);
    if (will) b.will(std::move(*will));
    opts_ = b.finalize();
  }
  ~Client() {
    try {
      client_.disable_callbacks();
      if (client_.is_connected()) client_.disconnect()->wait_for(2s);
    } catch (...) {
    }
  }
  // True when CONNACK accepted the connection.
  bool connect() {
    try {
      auto tok = client_.connect(opts_);
      if (!tok->wait_for(8s)) return false;
      return tok->get_reason_code() < 0x80 && client_.is_connected();
    } catch (const mqtt::exception&) {
      return false;
    }
  }
  // Publish; true if the broker accepted it by the protocol's own standard (3.1.1: PUBACK).
  bool publish(const std::string& topic, const std::string& payload, bool retained = false) {
    try {
      auto tok = client_.publish(topic, payload.data(), payload.size(), 1, retained);
      return tok->wait_for(5s) && tok->get_reason_code() < 0x80;
    } catch (const mqtt::exception&) {
      return false;
    }
  }
  // Subscribe; the granted reason code (>= 0x80 refused), or -1 on error.
  int subscribe(const std::string& filter) {
    try {
      auto tok = client_.subscribe(filter, 1);
      if (!tok->wait_for(5s)) return -1;
      return static_cast<int>(tok->get_reason_code());
    } catch (const mqtt::exception&) {
      return -1;
    }
  }
  std::vector<std::string> received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  bool lost() const { return lost_; }

 private:
  std::mutex mu_;
  std::vector<std::string> received_;
  std::atomic<bool> lost_{false};
  int version_;
  mqtt::connect_options opts_;
  mqtt::async_client client_;  // last: destroyed (and its callbacks stopped) first
};

struct Cell {
  std::string name, expected, seen;
};

struct Matrix {
  std::vector<Cell> cells;
  void add(const std::string& name, const std::string& expected, const std::string& seen) {
    cells.push_back({name, expected, seen});
    std::string why = name + ": expected " + expected + ", seen " + seen;
    CHECK_MESSAGE(expected == seen, why);
  }
  std::string table() const {
    std::string out;
    int ok = 0;
    for (const auto& c : cells) {
      ok += c.expected == c.seen;
      out += (c.expected == c.seen ? "PASS | " : "FAIL | ") + c.name + " | expected " +
             c.expected + " | seen " + c.seen + "\n";
    }
    return out + std::to_string(ok) + "/" + std::to_string(cells.size()) + " cells as expected\n";
  }
};

class World {
 public:
  explicit World(std::string share_group = "none") : share_group_(std::move(share_group)) {
    fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::group_read |
                                     fs::perms::group_exec | fs::perms::others_read |
                                     fs::perms::others_exec);
    pki_ = dir_ / "pki";
    provision(pki_, {"init"});
    provision(pki_, {"broker", "localhost", "127.0.0.1"});
    for (auto n : {"gw-a", "gw-b", "gw-revoked"}) provision(pki_, {"hub", n});
    provision(pki_, {"server", "kotona-ingest-1"});
    provision(pki_, {"hub", "gw-expired"},
              {"KOTONA_CERT_START=20200101000000Z", "KOTONA_CERT_END=20200102000000Z"});
    fs::copy_file(pki_ / "gw-revoked.crt", dir_ / "gw-revoked.crt");
    provision(pki_, {"revoke", "gw-revoked"});
    // The same name from another CA, and a self-signed one: both must be refused.
    other_ = dir_ / "other-pki";
    provision(other_, {"init"});
    provision(other_, {"hub", "gw-a"});
    provision(other_, {"broker", "localhost", "127.0.0.1"});
    shell("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 "
          "-subj /CN=gw-a -keyout '" + (dir_ / "self.key").string() + "' -out '" +
          (dir_ / "self.crt").string() + "' 2>/dev/null");
    // A broker certificate from the right CA but for another host name.
    provision(pki_, {"broker", "wrong.example"});
    broker_ = std::make_unique<ProductionBroker>(dir_ / "broker", pki_, "localhost");
    broker_->start();
    start_server();
  }
  void start_server() {
    std::ofstream(dir_ / "server.conf")
        << "mqtt_uri = " << broker_->uri() << "\nmqtt_client_id = kotona-ingest-1\n"
        << "mqtt_share_group = " << share_group_ << "\n"
        << "tls_ca = " << (pki_ / "ca.crt").string() << "\n"
        << "tls_cert = " << (pki_ / "kotona-ingest-1.crt").string() << "\n"
        << "tls_key = " << (pki_ / "private/kotona-ingest-1.key").string() << "\n"
        << "db_path = " << db() << "\nhttp_listen = 127.0.0.1:0\n"
        << "enrol = gw-a " << kSerial << " patient-a\nenrol = gw-b " << kSerial
        << " patient-b\n";
    server_ = std::make_unique<Child>(
        std::vector<std::string>{bin("server/kotona-server"), "--config",
                                 (dir_ / "server.conf").string()},
        dir_ / "server.log");
    if (!server_->wait_for_log("ingest subscribed", 15s)) {
      throw std::runtime_error("server did not subscribe: " + server_->log_text() +
                               broker_->log());
    }
  }
  const std::string& db() const { return store_; }
  const fs::path& pki() const { return pki_; }
  const fs::path& other() const { return other_; }
  fs::path path(const std::string& n) const { return dir_ / n; }
  ProductionBroker& broker() { return *broker_; }
  std::string diagnostics() { return server_->log_text() + "\n" + broker_->log(); }

  std::int64_t stored(const std::string& record) {
    return count(db(), "SELECT COUNT(*) FROM readings WHERE reading_uid LIKE '%/r" + record + "/%'");
  }
  std::int64_t quarantined(const std::string& reason) {
    return count(db(), "SELECT COUNT(*) FROM quarantine WHERE reason = '" + reason + "'");
  }

 private:
  std::string share_group_;
  TempDir dir_;
  std::string store_ = test_store_location(dir_.path());  // SQLite file or PostgreSQL database
  fs::path pki_, other_;
  std::unique_ptr<ProductionBroker> broker_;
  std::unique_ptr<Child> server_;
};

std::string yes_no(bool b) { return b ? "yes" : "no"; }
std::string n(std::int64_t v) { return std::to_string(v); }

// Every cell for one protocol version; `v` tags record ids so versions never collide.
void run_cells(World& w, Matrix& m, int version, const std::string& v) {
  auto ca = w.pki() / "ca.crt";
  auto uri = w.broker().uri();
  auto gw_a = hub_cert(w.pki(), "gw-a");
  auto gw_b = hub_cert(w.pki(), "gw-b");
  std::string p = "MQTT " + v + ": ";

  Client a(uri, "gw-a", version, ca, gw_a);
  Client b(uri, "gw-b", version, ca, gw_b);
  REQUIRE_MESSAGE(a.connect(), w.diagnostics());
  REQUIRE(b.connect());
  REQUIRE(a.subscribe(acks_topic("gw-a")) < 0x80);
  REQUIRE(b.subscribe(acks_topic("gw-b")) < 0x80);
  // Spies: A listens everywhere it may try to. Deliveries are ACL-checked per message.
  Client spy(uri, "spy", version, ca, gw_a);  // client id is forced to gw-a...
  (void)spy;                                    // ...so it is only used for the takeover cell
  a.subscribe(acks_topic("gw-b"));
  a.subscribe("kotona/#");
  a.subscribe("#");
  a.subscribe("$SYS/#");
  a.subscribe("$share/ingest/kotona/v1/gw/+/readings");

  // Own readings: stored and acked (the positive control for every denied cell).
  a.publish(readings_topic("gw-a"), batch("gw-a", v + "own"));
  bool stored_own = eventually([&] { return w.stored(v + "own") == 1; }, 10s);
  m.add(p + "hub A publishes its own readings -> stored", "1", n(w.stored(v + "own")));
  (void)stored_own;
  // B's traffic, which A's spying subscriptions must never see.
  b.publish(readings_topic("gw-b"), batch("gw-b", v + "bown"));
  m.add(p + "hub B publishes its own readings -> stored", "1",
        eventually([&] { return w.stored(v + "bown") == 1; }, 10s) ? "1" : "0");

  // Denied writes.
  a.publish(readings_topic("gw-b"), batch("gw-b", v + "other"));
  a.publish(readings_topic("gw-b"), batch("gw-a", v + "other2"));
  a.publish(readings_topic("gw-b"), batch("gw-b", v + "retained"), true);
  a.publish("kotona/v1/gw/gw-b/status", "x");
  a.publish(acks_topic("gw-b"), "forged ack");
  auto q_before = w.quarantined("identity_mismatch");
  a.publish(readings_topic("gw-a"), batch("gw-b", v + "claimb"));
  // Wills: the broker checks a will's topic when it fires. The positive control (a will on A's
  // own topic) proves the will really fired. A session takeover (same identity) fires it.
  auto fire_will = [&](const std::string& topic, const std::string& record, bool retained) {
    mqtt::message will(topic, batch(topic.find("gw-b") != std::string::npos ? "gw-b" : "gw-a",
                                    record),
                       1, retained);
    auto willer = std::make_unique<Client>(uri, "gw-a", version, ca, gw_a, will);
    if (!willer->connect()) return;
    Client taker(uri, "gw-a", version, ca, gw_a);
    (void)taker.connect();
    std::this_thread::sleep_for(300ms);
  };
  fire_will(readings_topic("gw-a"), v + "willown", false);
  m.add(p + "hub A's will on its own topic fires -> stored (control)", "1",
        eventually([&] { return w.stored(v + "willown") == 1; }, 10s) ? "1" : "0");
  fire_will(readings_topic("gw-b"), v + "will", false);
  fire_will(readings_topic("gw-b"), v + "willr", true);
  // A was taken over by the willers (same certificate = same identity): reconnect.
  Client a2(uri, "gw-a", version, ca, gw_a);
  REQUIRE(a2.connect());
  a2.publish(readings_topic("gw-a"), batch("gw-a", v + "own2"));
  REQUIRE_MESSAGE(eventually([&] { return w.stored(v + "own2") == 1; }, 10s), w.diagnostics());
  std::this_thread::sleep_for(1s);  // anything the broker let through has reached the store

  m.add(p + "hub A publishes on hub B's readings topic (B's id in payload) -> 0 stored", "0",
        n(w.stored(v + "other")));
  m.add(p + "hub A publishes on hub B's readings topic (own id in payload) -> 0 stored", "0",
        n(w.stored(v + "other2")));
  m.add(p + "hub A publishes RETAINED on hub B's readings topic -> 0 stored", "0",
        n(w.stored(v + "retained")));
  m.add(p + "hub A's will on hub B's topic -> 0 stored", "0",
        n(w.stored(v + "will") + w.stored(v + "willr")));
  m.add(p + "hub A publishes its own topic claiming gateway B -> 0 stored", "0",
        n(w.stored(v + "claimb")));
  m.add(p + "... and quarantined as identity_mismatch", "1",
        n(w.quarantined("identity_mismatch") - q_before));
  m.add(p + "hub B status written by hub A -> no status row for B", "0",
        n(count(w.db(), "SELECT COUNT(*) FROM gateway_status WHERE gateway_id = 'gw-b'")));

  // Denied reads: everything A received is on its own acks topic.
  auto not_own = [](const std::vector<std::string>& topics, const std::string& own) {
    int k = 0;
    for (const auto& t : topics) k += t != acks_topic(own);
    return k;
  };
  auto a_got = a.received();
  m.add(p + "hub A subscribed to B's acks, kotona/#, #, $SYS/#, $share readings -> foreign "
            "messages received",
        "0", n(not_own(a_got, "gw-a")));
  m.add(p + "hub A's $SYS subscription -> $SYS messages received", "0",
        n(std::count_if(a_got.begin(), a_got.end(),
                        [](const std::string& t) { return t.starts_with("$SYS"); })));
  m.add(p + "hub B received the ack for its reading (and nothing forged by A)", "yes",
        yes_no(eventually([&] { return !b.received().empty(); }, 5s) &&
               not_own(b.received(), "gw-b") == 0));
  auto b_acks = b.received().size();
  std::this_thread::sleep_for(500ms);
  m.add(p + "hub B received exactly one ack (A's forged ack dropped)", "1",
        n(static_cast<std::int64_t>(b_acks)));

  // Session takeover by client id: B claims client id "gw-a"; the broker renames it gw-b.
  {
    Client thief(uri, "gw-a", version, ca, gw_b);
    bool connected = thief.connect();
    std::this_thread::sleep_for(1s);
    m.add(p + "hub B connects with client id gw-a -> hub A's connection survives", "yes",
          yes_no(connected && !a2.lost()));
  }

  // Certificates that must not get in. If one did, its reading must still not be stored.
  struct Bad {
    std::string name;
    ClientCert cert;
    fs::path ca;
  };
  std::vector<Bad> bad{
      {"no client certificate", {}, ca},
      {"self-signed certificate CN=gw-a",
       {w.path("self.crt").string(), w.path("self.key").string()},
       ca},
      {"certificate CN=gw-a from another CA", hub_cert(w.other(), "gw-a"), ca},
      {"expired certificate", hub_cert(w.pki(), "gw-expired"), ca},
      {"revoked certificate",
       {w.path("gw-revoked.crt").string(), (w.pki() / "private/gw-revoked.key").string()},
       ca},
  };
  int i = 0;
  for (const auto& c : bad) {
    std::string rec = v + "bad" + std::to_string(++i);
    Client x(uri, "gw-a", version, c.ca, c.cert);
    bool in = x.connect();
    if (in) x.publish(readings_topic("gw-a"), batch("gw-a", rec));
    std::this_thread::sleep_for(300ms);
    m.add(p + c.name + " -> connection refused", "no", yes_no(in));
    m.add(p + c.name + " -> 0 stored", "0", n(w.stored(rec)));
  }
  // Plaintext MQTT to the TLS port.
  {
    mqtt::async_client plain("tcp://127.0.0.1:" + std::to_string(w.broker().port()), "gw-a",
                             mqtt::create_options(version));
    bool in = false;
    try {
      auto tok = plain.connect(mqtt::connect_options_builder()
                                   .mqtt_version(version)
                                   .connect_timeout(3s)
                                   .finalize());
      in = tok->wait_for(5s) && plain.is_connected();
    } catch (const mqtt::exception&) {
    }
    m.add(p + "plaintext MQTT to the broker port -> refused", "no", yes_no(in));
  }
}

}  // namespace

TEST_CASE("broker ACL matrix: hubs A/B x MQTT 3.1.1 and 5 -> every cell as expected, 0 stored "
          "from denied cells") {
  World w;
  Matrix m;
  run_cells(w, m, MQTTVERSION_3_1_1, "v311");
  run_cells(w, m, MQTTVERSION_5, "v5");
  // Exactly the four allowed cells per version (own, B own, own2, own will) reached the store, nothing else.
  m.add("readings in the server database in total", "8",
        n(count(w.db(), "SELECT COUNT(*) FROM readings")));
  std::cout << m.table();
  std::ofstream(w.path("security-matrix.txt")) << m.table();
}

namespace {

// The real kotona-gateway against `broker`: did it report "uplink connected" within 8 s?
bool gateway_connects(World& w, const std::string& uri, const std::string& name) {
  auto conf = w.path(name + ".conf");
  std::ofstream(conf) << "gateway_id = gw-a\nmqtt_uri = " << uri << "\n"
                      << "tls_ca = " << (w.pki() / "ca.crt").string() << "\n"
                      << "tls_cert = " << (w.pki() / "gw-a.crt").string() << "\n"
                      << "tls_key = " << (w.pki() / "private/gw-a.key").string() << "\n"
                      << "outbox_path = " << w.path(name + ".db").string() << "\n"
                      << "reconnect_min_ms = 200\nreconnect_max_ms = 1000\n";
  Child gw({bin("gateway/kotona-gateway"), "--config", conf.string()}, w.path(name + ".log"));
  return gw.wait_for_log("uplink connected", 8s).has_value();
}

}  // namespace

TEST_CASE("gateway verifies the broker: right CA and host name -> connects - other CA or wrong "
          "host name -> never connects") {
  World w;
  Matrix m;
  m.add("gateway -> broker with the Kotona CA's certificate for localhost", "yes",
        yes_no(gateway_connects(w, w.broker().uri("localhost"), "gw-ok")));
  m.add("gateway -> same broker dialled as 127.0.0.1 (IP SAN)", "yes",
        yes_no(gateway_connects(w, w.broker().uri("127.0.0.1"), "gw-ip")));
  ProductionBroker other_ca(w.path("broker-other-ca"), w.other(), "localhost");
  other_ca.start();
  m.add("gateway -> broker whose certificate is from another CA", "no",
        yes_no(gateway_connects(w, other_ca.uri("localhost"), "gw-other-ca")));
  ProductionBroker wrong_host(w.path("broker-wrong-host"), w.pki(), "wrong.example");
  wrong_host.start();
  m.add("gateway -> broker whose certificate names wrong.example", "no",
        yes_no(gateway_connects(w, wrong_host.uri("localhost"), "gw-wrong-host")));
  std::cout << m.table();
}
