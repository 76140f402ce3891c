// Ingest against a real mosquitto on a free loopback port: a second Paho client plays the
// gateway. Labelled "integration".
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <mqtt/async_client.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "mqtt/tcp_nodelay.h"
#include "mqtt/topics.h"
#include "proto/codec/wire.h"
#include "server/ingest/ingest.h"
#include "tests/support/mosquitto.h"
#include "tests/support/mute_broker.h"
#include "tests/support/process.h"
#include "tests/support/resend_refusing_broker.h"
#include "tests/support/store_location.h"

using namespace kotona;
using namespace kotona::server;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

const GatewayId kGw{"gw-int"};

// Through a second connection of the store's own backend (SQLite file or PostgreSQL).
std::int64_t count_rows(const std::string& db_path, const char* table) {
  auto store = store::Store::open(db_path);
  if (!store) return -1;
  return (*store)->count_rows(table).value_or(-1);
}

Reading bp(const std::string& record, double systolic) {
  Reading r;
  r.device.serial = DeviceSerial{"BP1"};
  r.record_id = record;
  r.hub_time =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  r.measurement = BloodPressure{systolic, 80, std::nullopt, 60.0};
  finalize_reading(kGw, r);
  return r;
}

struct SeenAck {
  wire::Ack ack;
  std::int64_t readings_in_db_when_acked = -1;
};

// The "gateway": publishes batches, collects acks and what the DB held when each arrived.
class FakeGateway {
 public:
  FakeGateway(const std::string& uri, std::string db_path)
      : client_(uri, "gw-int-client", mqtt::create_options(MQTTVERSION_5)),
        db_path_(std::move(db_path)) {
    client_.set_message_callback([this](mqtt::const_message_ptr msg) {
      auto ack = wire::decode_ack(msg->to_string());
      auto rows = count_rows(db_path_, "readings");
      std::lock_guard lock(mutex_);
      if (ack) acks_.push_back({*ack, rows});
      cv_.notify_all();
    });
    auto options = mqtt::connect_options_builder().mqtt_version(MQTTVERSION_5).finalize();
    client_.connect(options)->wait_for(10s);
    client_.subscribe(mqtt_link::acks_topic(kGw), 1)->wait_for(10s);
  }
  ~FakeGateway() {
    try {
      client_.disconnect()->wait_for(2s);
    } catch (const mqtt::exception&) {
    }
  }
  void publish(const std::string& payload) {
    client_
        .publish("kotona/v1/gw/" + kGw.value + "/readings", payload.data(), payload.size(), 1,
                 false)
        ->wait_for(10s);
  }
  std::optional<SeenAck> wait_ack(std::size_t index) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, 10s, [&] { return acks_.size() > index; })) return std::nullopt;
    return acks_[index];
  }

 private:
  mqtt::async_client client_;
  std::string db_path_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<SeenAck> acks_;
};

template <typename F>
auto on_io(asio::io_context& io, F fn) {
  std::packaged_task<decltype(fn())()> task(std::move(fn));
  auto result = task.get_future();
  asio::post(io, [&task] { task(); });
  return result.get();
}

}  // namespace

namespace {
// Connected sockets of this process to `port` that have TCP_NODELAY on.
int sockets_to_port_with_nodelay(int port) {
  int count = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    const int fd = std::atoi(entry.path().filename().c_str());
    sockaddr_in peer{};
    socklen_t size = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &size) != 0) continue;
    if (peer.sin_family == AF_INET && ntohs(peer.sin_port) == port &&
        mqtt_link::tcp_nodelay_is_set(fd)) {
      ++count;
    }
  }
  return count;
}
// An Ingest on its own io thread, started on construction; stopped and joined on destruction.
struct RunningIngest {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(io);
  Counters counters;
  ingest::Ingest ingest;
  std::thread io_thread;
  RunningIngest(const std::string& uri, const std::string& client_id, store::Store& store,
                ingest::AlertSink sink = [](const auto&) {})
      : ingest(io, {uri, client_id, 50ms, 500ms}, store, counters, std::move(sink)),
        io_thread([this] { io.run(); }) {
    on_io(io, [&] {
      ingest.start();
      return 0;
    });
  }
  ~RunningIngest() {
    on_io(io, [&] {
      ingest.stop();
      return 0;
    });
    guard.reset();
    io.stop();
    io_thread.join();
  }
  bool subscribed() { return on_io(io, [&] { return ingest.is_subscribed(); }); }
};

// A store with device BP1 enrolled to patient-1.
std::unique_ptr<store::Store> enrolled_store(const std::string& location) {
  auto store = store::Store::open(location);
  REQUIRE(store.has_value());
  REQUIRE((*store)->patients().seed_enrolment(
      {{kGw, DeviceSerial{"BP1"}, PatientId{"patient-1"}, HubTime{}, std::nullopt}}, HubTime{}));
  return std::move(*store);
}
}  // namespace

TEST_CASE("ingest: batch, re-sent batch, garbage -> acked after commit, stored once, counted") {
  test::TempDir dir;
  test::Mosquitto broker(dir.path(), false);
  broker.start();
  auto db_path = test::test_store_location(dir.path());
  auto store = enrolled_store(db_path);
  std::vector<store::StoredAlert> alerts;  // io thread only
  RunningIngest running(broker.uri(), "kotona-ingest-itest", *store, [&](const auto& fresh) {
    alerts.insert(alerts.end(), fresh.begin(), fresh.end());
  });
  auto& io = running.io;
  auto& counters = running.counters;
  REQUIRE(test::eventually([&] { return running.subscribed(); }, 10s));

  FakeGateway gateway(broker.uri(), db_path);
  auto batch1 = wire::encode_batch(kGw, 1, HubTime{}, {bp("1", 185), bp("2", 120)});
  gateway.publish(batch1);
  auto first = gateway.wait_ack(0);
  REQUIRE(first.has_value());
  CHECK(first->readings_in_db_when_acked == 2);  // the ack follows the commit
  REQUIRE(first->ack.readings.size() == 2);
  CHECK(first->ack.readings[0].disposition == wire::Disposition::kStored);
  CHECK(first->ack.readings[1].disposition == wire::Disposition::kStored);
  CHECK(on_io(io, [&] { return alerts.size(); }) == 1);

  gateway.publish(batch1);  // the gateway missed the ack and re-sends
  auto second = gateway.wait_ack(1);
  REQUIRE(second.has_value());
  REQUIRE(second->ack.readings.size() == 2);
  CHECK(second->ack.readings[0].disposition == wire::Disposition::kDuplicate);
  CHECK(second->ack.readings[1].disposition == wire::Disposition::kDuplicate);
  CHECK(count_rows(db_path, "readings") == 2);
  CHECK(count_rows(db_path, "alerts") == 1);

  gateway.publish("this is not protobuf \x01\x02");
  gateway.publish(wire::encode_batch(kGw, 2, HubTime{}, {bp("3", 130)}));
  auto third = gateway.wait_ack(2);
  REQUIRE(third.has_value());
  CHECK(third->ack.batch_id == 2);
  REQUIRE(third->ack.readings.size() == 1);
  CHECK(third->ack.readings[0].disposition == wire::Disposition::kStored);
  CHECK(count_rows(db_path, "readings") == 3);
  CHECK(counters.get("mqtt_bad_payload") == 1);
  CHECK(count_rows(db_path, "quarantine") == 1);
  // TCP_NODELAY on the ingest's broker socket (issue 15 cause 3; Paho never sets it).
  CHECK(counters.get("mqtt_nodelay_not_set") == 0);
  CHECK(sockets_to_port_with_nodelay(broker.port()) >= 1);

}

// Group commit (issue 15) through a real broker: 150 one-reading batches wait in the inbox
// while the io thread is busy; they are stored in a few transactions of at most 64 and every
// one is acked (a burst of 64 acks through Paho and the broker loses none), each ack only once
// the readings it names are in the database.
TEST_CASE("ingest: 150 batches waiting -> a few group commits, 150 acks, each after its commit") {
  test::TempDir dir;
  test::Mosquitto broker(dir.path(), false);
  broker.start();
  auto db_path = test::test_store_location(dir.path());
  auto store = enrolled_store(db_path);
  RunningIngest running(broker.uri(), "kotona-ingest-group", *store);
  auto& io = running.io;
  auto& counters = running.counters;
  REQUIRE(test::eventually([&] { return running.subscribed(); }, 10s));
  FakeGateway gateway(broker.uri(), db_path);
  std::promise<void> release;
  asio::post(io, [wait = release.get_future().share()] { wait.wait(); });  // the io thread busy
  constexpr int kBatches = 150;
  for (int i = 1; i <= kBatches; ++i) {
    gateway.publish(wire::encode_batch(kGw, static_cast<std::uint64_t>(i), HubTime{},
                                       {bp(std::to_string(i), 120)}));
  }
  std::this_thread::sleep_for(1s);  // the broker delivers them into the waiting inbox
  release.set_value();
  for (int i = 0; i < kBatches; ++i) {
    auto ack = gateway.wait_ack(static_cast<std::size_t>(i));
    REQUIRE_MESSAGE(ack.has_value(), "ack " << i + 1 << " never came");
    CHECK(ack->readings_in_db_when_acked >= i + 1);  // acked after the commit that stored it
  }
  const auto commits = on_io(io, [&] { return counters.get("ingest_commits"); });
  MESSAGE(kBatches, " batches stored in ", commits, " transactions");
  CHECK(commits >= 3);  // at most 64 per turn
  CHECK(commits <= 10);
  CHECK(on_io(io, [&] { return counters.get("batches_stored"); }) == kBatches);
  CHECK(on_io(io, [&] { return counters.get("mqtt_ack_publish_failed"); }) == 0);
  CHECK(count_rows(db_path, "readings") == kBatches);
}

// Paho does not always answer a SUBSCRIBE when the link dies around it (partitions chaos test:
// the server never reconnected and every hub's readings piled up). The ingest must give the
// request up and connect again. A broker that never answers the first connection's
// SUBSCRIBEs, but keeps it alive with PINGRESP, stands in for the lost answer.
TEST_CASE("ingest: SUBSCRIBEs never answered -> given up after 15 s, subscribed again") {
  test::TempDir dir;
  test::MuteBroker broker(1);
  auto store = store::Store::open(test::test_store_location(dir.path()));
  REQUIRE(store.has_value());
  RunningIngest running(broker.uri(), "kotona-ingest-mute", **store);
  auto& io = running.io;
  auto& counters = running.counters;
  auto subscribed = [&] { return running.subscribed(); };
  CHECK(test::eventually([&] { return broker.subscribes_ignored() >= 1; }, 10s));
  CHECK_FALSE(test::eventually(subscribed, 12s));  // still waiting for the answer
  CHECK(test::eventually(subscribed, 15s));
  CHECK(on_io(io, [&] { return counters.get("mqtt_no_answer"); }) == 1);
  CHECK(broker.connections() == 2);
}

// The partitions test of 2026-12-07 (docs/reliability.md): after a fault on the broker-server
// link, mosquitto closed the ingest's every new connection "due to malformed packet" about a
// second after CONNACK, for good, while Paho re-sent the acks it held in flight: no reading
// was stored for minutes and every hub's outbox grew. The hub had a fresh client for this;
// the ingest never renewed its client. A broker that holds the first connection's acks, then
// closes every connection carrying a re-sent (DUP) PUBLISH, stands in for it: only a fresh
// client gets its acks through.
TEST_CASE("ingest: broker closes every connection after the re-sent acks -> fresh client, acked") {
  test::TempDir dir;
  auto store = enrolled_store(test::test_store_location(dir.path()));
  test::ResendRefusingBroker broker(
      2, [](const std::string&, const std::string&) -> test::ResendRefusingBroker::Answer {
        return std::nullopt;
      });
  std::vector<std::string> batches;
  for (int i = 1; i <= 5; ++i) {
    batches.push_back(wire::encode_batch(kGw, static_cast<std::uint64_t>(i), HubTime{},
                                         {bp("r" + std::to_string(i), 120)}));
  }
  broker.feed_after_subscribe("kotona/v1/gw/" + kGw.value + "/readings", batches);
  RunningIngest running(broker.uri(), "kotona-ingest-resend", *store);
  auto& io = running.io;
  auto& counters = running.counters;
  REQUIRE(test::eventually([&] { return broker.refused() >= 1; }, 10s));
  // Without renewal (renew_client_after 0, as before) no ack gets through: every connection
  // re-sends the held two first and is closed.
  CHECK(test::eventually([&] { return broker.accepted() >= 5; }, 20s));
  CHECK(on_io(io, [&] { return counters.get("mqtt_client_renewed"); }) >= 1);
  // Every connection was answered (closed by the broker): none waited out the 15 s.
  CHECK(on_io(io, [&] { return counters.get("mqtt_no_answer"); }) == 0);
}
