// Uplink against a real mosquitto on a free loopback port; the test plays the server with a
// second Paho client. Checks invariant 3: rows leave the outbox on the app Ack, not on PUBACK.
#include <doctest/doctest.h>
#include <mqtt/async_client.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "proto/codec/wire.h"
#include "gateway/uplink/uplink.h"
#include "mqtt/topics.h"
#include "tests/support/mute_broker.h"
#include "tests/support/resend_refusing_broker.h"

using namespace kotona;
using namespace kotona::gateway;
using namespace std::chrono_literals;

extern char** environ;

namespace {

// The server's Ack naming `uids` as stored.
std::string ack_naming(const GatewayId& gateway, std::uint64_t batch_id,
                       const std::vector<std::string>& uids) {
  wire::Ack ack{gateway, batch_id, {}};
  for (const auto& uid : uids) ack.readings.push_back({uid, wire::Disposition::kStored});
  return wire::encode_ack(ack);
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "kotona-uplink-XXXXXX").string();
    REQUIRE(mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// mosquitto on 127.0.0.1:port, killed and reaped on destruction.
struct Mosquitto {
  int port = free_port();
  pid_t pid = -1;
  explicit Mosquitto(const std::filesystem::path& dir) {
    auto conf = (dir / "mosquitto.conf").string();
    std::ofstream(conf) << "listener " << port << " 127.0.0.1\nallow_anonymous true\n"
                        << "persistence false\nlog_dest stderr\n";
    std::vector<std::string> args{"mosquitto", "-c", conf};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = posix_spawnp(&pid, "mosquitto", nullptr, nullptr, argv.data(), environ);
    if (rc != 0) rc = posix_spawn(&pid, "/usr/sbin/mosquitto", nullptr, nullptr, argv.data(), environ);
    REQUIRE(rc == 0);
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!accepts(port) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    REQUIRE(accepts(port));
  }
  ~Mosquitto() {
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port); }
};

// The test's stand-in for the server: subscribes to the readings topic, publishes acks.
struct FakeServer {
  mqtt::async_client client;
  std::mutex mutex;
  std::vector<wire::Batch> batches;
  explicit FakeServer(const std::string& uri) : client(uri, "fake-server", mqtt::create_options(MQTTVERSION_5)) {
    client.set_message_callback([this](mqtt::const_message_ptr msg) {
      auto batch = wire::decode_batch(msg->to_string());
      std::lock_guard lock(mutex);
      if (batch) batches.push_back(std::move(*batch));
    });
    auto opts = mqtt::connect_options_builder().mqtt_version(MQTTVERSION_5).clean_start(true).finalize();
    client.connect(opts)->wait();
    client.subscribe(mqtt_link::readings_topic(GatewayId{"gw-it"}), 1)->wait();
  }
  ~FakeServer() {
    try {
      client.disconnect()->wait();
    } catch (const mqtt::exception&) {
    }
  }
  std::size_t batch_count() {
    std::lock_guard lock(mutex);
    return batches.size();
  }
  wire::Batch batch(std::size_t i) {
    std::lock_guard lock(mutex);
    return batches.at(i);
  }
  void send(const std::string& payload) {
    client.publish(mqtt_link::acks_topic(GatewayId{"gw-it"}), payload.data(), payload.size(), 1, false)->wait();
  }
};

template <typename F>
bool run_until(boost::asio::io_context& io, F predicate, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(20ms);
  }
  return predicate();
}

Reading make_reading(const std::string& record) {
  Reading r;
  r.device.serial = DeviceSerial{"BPSIM0001"};
  r.device.driver = "astm_bp";
  r.record_id = record;
  r.hub_time = HubTime{std::chrono::milliseconds{1'700'000'000'000}};
  r.measurement = BloodPressure{182, 112, {}, 71};
  finalize_reading(GatewayId{"gw-it"}, r);
  return r;
}

// Plays the server behind a ResendRefusingBroker: every batch of `gw` acked in full.
test::ResendRefusingBroker::OnPublish acking_server(const GatewayId& gw) {
  return [gw](const std::string& topic,
              const std::string& payload) -> test::ResendRefusingBroker::Answer {
    auto batch = wire::decode_batch(payload);
    if (topic != mqtt_link::readings_topic(gw) || !batch) return std::nullopt;
    std::vector<std::string> uids;
    for (const auto& r : batch->readings) uids.push_back(r.uid.value);
    return std::make_pair(mqtt_link::acks_topic(gw), ack_naming(gw, batch->batch_id, uids));
  };
}

// An outbox in `dir` holding readings "1".."n".
std::unique_ptr<Outbox> outbox_holding(const TempDir& dir, int n) {
  auto outbox = Outbox::open((dir.path / "outbox.db").string());
  REQUIRE(outbox.has_value());
  std::vector<OutboxEntry> entries;
  for (int i = 1; i <= n; ++i) {
    Reading r = make_reading(std::to_string(i));
    entries.push_back({r.uid.value, wire::encode_reading(r)});
  }
  REQUIRE((*outbox)->append(entries, HubTime{}).has_value());
  return std::move(*outbox);
}

}  // namespace

TEST_CASE("uplink: real mosquitto -> rows deleted only after the app ack, re-sent on timeout") {
  TempDir dir;
  Mosquitto broker(dir.path);
  FakeServer server(broker.uri());

  auto outbox = Outbox::open((dir.path / "outbox.db").string());
  REQUIRE(outbox.has_value());
  std::vector<OutboxEntry> entries;
  for (const char* record : {"1", "2"}) {
    Reading r = make_reading(record);
    entries.push_back({r.uid.value, wire::encode_reading(r)});
  }
  REQUIRE((*outbox)->append(entries, HubTime{}).has_value());

  boost::asio::io_context io;
  Counters counters;
  UplinkOptions options{GatewayId{"gw-it"}, broker.uri(), 1500ms, 100, 100ms, 1000ms};
  Uplink uplink(io, options, **outbox, counters);
  uplink.start();

  REQUIRE(run_until(io, [&] { return uplink.is_connected(); }, 10s));
  CHECK(counters.get("mqtt_nodelay_not_set") == 0);  // TCP_NODELAY on the broker socket
  // First batch arrives and the broker PUBACKs it; the rows must stay.
  REQUIRE(run_until(io, [&] { return server.batch_count() >= 1 && counters.get("mqtt_puback") >= 1; }, 10s));
  auto first = server.batch(0);
  REQUIRE(first.readings.size() == 2);
  CHECK(first.readings[0] == make_reading("1"));
  CHECK((*outbox)->depth().value_or(0) == 2);

  // No ack: the same readings go out again after ack_timeout.
  auto sent_at = std::chrono::steady_clock::now();
  REQUIRE(run_until(io, [&] { return server.batch_count() >= 2; }, 10s));
  CHECK(std::chrono::steady_clock::now() - sent_at >= 1000ms);
  auto second = server.batch(1);
  CHECK(second.batch_id > first.batch_id);
  REQUIRE(second.readings.size() == 2);
  CHECK(second.readings[1].uid == first.readings[1].uid);
  CHECK((*outbox)->depth().value_or(0) == 2);

  // A malformed ack and an ack for another gateway are counted and change nothing.
  server.send("definitely not protobuf \xff\xff");
  std::vector<std::string> one{first.readings[0].uid.value};
  server.send(ack_naming(GatewayId{"gw-other"}, first.batch_id, one));
  REQUIRE(run_until(io, [&] { return counters.get("mqtt_bad_ack") >= 2; }, 10s));
  CHECK((*outbox)->depth().value_or(0) == 2);
  CHECK(uplink.is_connected());

  // The ack for the first reading deletes exactly that row.
  server.send(ack_naming(GatewayId{"gw-it"}, first.batch_id, one));
  REQUIRE(run_until(io, [&] { return (*outbox)->depth().value_or(0) == 1; }, 10s));
  std::vector<std::string> both{first.readings[0].uid.value, first.readings[1].uid.value};
  server.send(ack_naming(GatewayId{"gw-it"}, second.batch_id, both));
  REQUIRE(run_until(io, [&] { return (*outbox)->depth().value_or(9) == 0; }, 10s));
  CHECK(counters.get("readings_acked") == 2);
  CHECK(counters.get("readings_acked_again") == 1);  // the first reading, acked a second time
  uplink.stop();
}

// The in-flight cap (issue 15): a server that acks nothing gets at most max_inflight_readings
// readings, however deep the backlog; each ack lets exactly that many more go. Counted at the
// receiving end (what the broker delivered), not by the hub's own bookkeeping. Negative
// control KOTONA_BROKEN=no_inflight_cap: the whole backlog goes out and this fails.
TEST_CASE(
    "uplink: in-flight cap -> a server that acks nothing gets at most the cap, an ack frees that "
    "many") {
  TempDir dir;
  Mosquitto broker(dir.path);
  FakeServer server(broker.uri());
  auto outbox = Outbox::open((dir.path / "outbox.db").string());
  REQUIRE(outbox.has_value());
  std::vector<OutboxEntry> entries;
  for (int i = 0; i < 60; ++i) {
    Reading r = make_reading(std::to_string(i));
    entries.push_back({r.uid.value, wire::encode_reading(r)});
  }
  REQUIRE((*outbox)->append(entries, HubTime{}).has_value());

  boost::asio::io_context io;
  Counters counters;
  UplinkOptions options{GatewayId{"gw-it"}, broker.uri(), 60000ms, 5, 100ms, 1000ms};
  options.max_inflight_readings = 20;  // 4 batches of 5
  Uplink uplink(io, options, **outbox, counters);
  uplink.start();
  auto received = [&] {
    std::size_t n = 0;
    for (std::size_t i = 0; i < server.batch_count(); ++i) n += server.batch(i).readings.size();
    return n;
  };
  REQUIRE(run_until(
      io, [&] { return received() >= 20; }, 10s));
  run_until(
      io, [] { return false; }, 1500ms);  // time enough for more, were it allowed
  CHECK(received() == 20);
  CHECK((*outbox)->in_flight() == 20);

  auto first = server.batch(0);
  std::vector<std::string> uids;
  for (const auto& r : first.readings) uids.push_back(r.uid.value);
  server.send(ack_naming(GatewayId{"gw-it"}, first.batch_id, uids));
  REQUIRE(run_until(
      io, [&] { return received() >= 25; }, 10s));
  run_until(
      io, [] { return false; }, 1000ms);
  CHECK(received() == 25);
  CHECK((*outbox)->depth().value_or(0) == 55);
  uplink.stop();
}

// Paho does not always answer a SUBSCRIBE (or a connect) when the link dies around it; the
// uplink must not wait for that answer forever (check_liveness). A broker that never answers
// the first SUBSCRIBE but keeps the connection alive (PINGRESP) stands in for the lost answer.
TEST_CASE("uplink: a SUBSCRIBE never answered -> given up after 15 s, connected again") {
  TempDir dir;
  test::MuteBroker broker(1);
  auto outbox = Outbox::open((dir.path / "outbox.db").string());
  REQUIRE(outbox.has_value());
  boost::asio::io_context io;
  Counters counters;
  UplinkOptions options{GatewayId{"gw-it"}, broker.uri(), 1500ms, 100, 100ms, 1000ms};
  Uplink uplink(io, options, **outbox, counters);
  uplink.start();

  REQUIRE(run_until(io, [&] { return broker.subscribes_ignored() == 1; }, 10s));
  CHECK_FALSE(run_until(io, [&] { return uplink.is_connected(); }, 12s));  // still waiting
  REQUIRE(run_until(io, [&] { return uplink.is_connected(); }, 15s));
  CHECK(counters.get("mqtt_no_answer") == 1);
  CHECK(broker.connections() == 2);
  CHECK(broker.subscribes_answered() == 1);
}

// The partitions-test stall (docs/reliability.md): mosquitto closed the hub's every new
// connection about a second after CONNACK, for good, while Paho kept re-sending the PUBLISHes
// it had in flight when the link died. A broker that closes any connection carrying a re-sent
// (DUP) PUBLISH stands in for that: only a fresh client, with nothing in flight, gets through;
// the outbox then sends every unacked row again and the test, playing the server, acks them.
TEST_CASE("uplink: broker closes every connection after the re-sends -> fresh client, delivered") {
  TempDir dir;
  const GatewayId gw{"gw-it"};
  test::ResendRefusingBroker broker(2, acking_server(gw));
  auto outbox = outbox_holding(dir, 50);
  boost::asio::io_context io;
  Counters counters;
  UplinkOptions options{gw, broker.uri(), 1500ms, 10, 100ms, 1000ms};
  Uplink uplink(io, options, *outbox, counters);
  uplink.start();

  REQUIRE(run_until(io, [&] { return broker.refused() >= 1; }, 10s));
  // Without a fresh client this never drains (negative control KOTONA_BROKEN=
  // no_client_renewal, seen: 0 of 50 rows delivered in 20 s, 16 connects failed or lost).
  CHECK(run_until(io, [&] { return outbox->depth().value_or(1) == 0; }, 20s));
  CHECK(counters.get("mqtt_client_renewed") >= 1);
  CHECK(broker.accepted() >= 5);
  uplink.stop();
}

// The partitions-test stall of 2026-12-07 (docs/reliability.md): fast meters' one-reading
// batches overflowed Paho's buffer ("No more messages can be buffered", thousands a second),
// and a client that answered none of the publishes it held, while it counted itself
// connected, stalled the hub for good. Here the first connection takes every PUBLISH and
// answers none (keepalive answered, Receive Maximum 10, so Paho queues the rest): the uplink
// must keep what it hands over under Paho's buffer (no publish refused) and, after
// publish_answer_timeout, start a fresh client whose connection delivers every row.
TEST_CASE(
    "uplink: publishes never answered on a live connection -> none refused, fresh client, "
    "delivered") {
  TempDir dir;
  const GatewayId gw{"gw-it"};
  test::ResendRefusingBroker broker(-1, acking_server(gw));
  auto outbox = outbox_holding(dir, 300);
  boost::asio::io_context io;
  Counters counters;
  // One reading per batch (as from meters that each send one at a time); ack_timeout far off,
  // so only the watchdog can end the wait.
  UplinkOptions options{gw, broker.uri(), 60s, 1, 100ms, 1000ms};
  options.publish_answer_timeout = 2s;
  Uplink uplink(io, options, *outbox, counters);
  uplink.start();

  REQUIRE(run_until(
      io, [&] { return broker.held() >= 10; }, 10s));
  // Without the watchdog nothing more happens (negative control KOTONA_BROKEN=
  // no_publish_watchdog): the connection lives and the 300 rows wait for good.
  CHECK(run_until(
      io, [&] { return outbox->depth().value_or(1) == 0; }, 15s));
  CHECK(counters.get("mqtt_publish_unanswered") >= 1);
  CHECK(counters.get("mqtt_client_renewed") >= 1);
  // Without the cap on unanswered publishes Paho refused some (MQTT error -12; seen: 3).
  CHECK(counters.get("mqtt_publish_failed") == 0);
  CHECK(broker.accepted() >= 300);
  uplink.stop();
}
