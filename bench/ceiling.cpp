// The broker's raw QoS 1 ceiling: one Paho publisher, one Paho subscriber, messages the size of
// a one-reading batch, on the same kind of mosquitto the drain runs use. Kotona's drain rate is
// reported as a ratio of this, measured in the same run on the same machine.
#include "bench/ceiling.h"

#include <mqtt/async_client.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <thread>

#include "tests/support/mosquitto.h"
#include "tests/support/process.h"

namespace kotona::bench {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// PUBACKs outstanding at most: mosquitto's Receive Maximum (max_inflight_messages, 20). Paho
// (MQTT v5) queues publishes beyond it and then sends slowly: measured on 2 cores, 20 -> ~4k
// msg/s, 40 -> 2k, 90 -> 1k, 2000 -> 50 msg/s. A client that wants the ceiling stays under it.
constexpr int kWindow = 20;

mqtt::connect_options v5_clean() {
  return mqtt::connect_options_builder().mqtt_version(MQTTVERSION_5).clean_start(true).finalize();
}

}  // namespace

CeilingResult run_ceiling(long messages, std::size_t payload_bytes, int timeout_s) {
  CeilingResult out;
  test::TempDir dir;
  test::Mosquitto broker(dir.path());
  broker.start();
  mqtt::async_client sub(broker.uri(), "bench-ceiling-sub", mqtt::create_options(MQTTVERSION_5));
  mqtt::async_client pub(broker.uri(), "bench-ceiling-pub",
                         mqtt::create_options_builder()
                             .mqtt_version(MQTTVERSION_5)
                             .max_buffered_messages(kWindow + 10)
                             .finalize());
  std::atomic<long> received{0};
  sub.set_message_callback([&](mqtt::const_message_ptr) { ++received; });
  try {
    sub.connect(v5_clean())->wait();
    sub.subscribe("bench/ceiling", 1)->wait();
    pub.connect(v5_clean())->wait();
    const std::string payload(payload_bytes, 'k');
    std::deque<mqtt::delivery_token_ptr> window;
    const auto t0 = Clock::now();
    const auto deadline = t0 + std::chrono::seconds(timeout_s);
    for (long i = 0; i < messages && Clock::now() < deadline; ++i) {
      if (window.size() >= kWindow) {
        window.front()->wait();
        window.pop_front();
      }
      window.push_back(pub.publish("bench/ceiling", payload.data(), payload.size(), 1, false));
    }
    while (received < messages && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    out.complete = received >= messages;
    out.msgs_per_s = static_cast<double>(received) / s;
    pub.disconnect()->wait();
    sub.disconnect()->wait();
  } catch (const mqtt::exception& e) {
    out.failure = e.what();
  }
  return out;
}

}  // namespace kotona::bench
