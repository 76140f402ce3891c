// The null ingest: the cheapest correct peer of kotona-server's ingest. It subscribes to every
// hub's readings, decodes each batch (protobuf, as the server must), acks every uid at once and
// stores nothing; prints one line when every reading came, and acks on until
// SIGTERM. Its CPU per reading is the floor the server's cost is compared with.
#include <mqtt/async_client.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <set>
#include <thread>

#include "bench/fleet.h"
#include "mqtt/topics.h"
#include "proto/codec/wire.h"

namespace kotona::bench {

int null_ingest_main(const std::string& uri, long expected) {
  mqtt::async_client client(uri, "kotona-null-ingest", mqtt::create_options(MQTTVERSION_5));
  std::atomic<long> readings{0}, repeats{0}, bad{0};
  std::set<std::string> seen;  // only the callback thread touches it
  client.set_message_callback([&](mqtt::const_message_ptr msg) {
    auto batch = wire::decode_batch(msg->to_string());
    if (!batch) {
      ++bad;
      return;
    }
    std::vector<std::string> uids;
    for (const auto& r : batch->readings) {
      uids.push_back(r.uid.value);
      if (!seen.insert(r.uid.value).second) ++repeats;
    }
    wire::Ack acked{batch->gateway, batch->batch_id, {}};
    for (const auto& uid : uids) acked.readings.push_back({uid, wire::Disposition::kStored});
    auto ack = wire::encode_ack(acked);
    auto route = mqtt_link::parse_topic(msg->get_topic());
    if (!route) {
      ++bad;
      return;
    }
    client.publish(mqtt_link::acks_topic(route->gateway), ack.data(), ack.size(), 1, false);
    readings += static_cast<long>(uids.size());
  });
  try {
    auto opts =
        mqtt::connect_options_builder().mqtt_version(MQTTVERSION_5).clean_start(true).finalize();
    client.connect(opts)->wait();
    client.subscribe(mqtt_link::ingest_filters("").front(), 1)->wait();
  } catch (const mqtt::exception& e) {
    std::cerr << "null-ingest: " << e.what() << "\n";
    return 1;
  }
  std::cout << "null-ingest: subscribed" << std::endl;
  while (static_cast<long>(readings) - static_cast<long>(repeats) < expected) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::cout << "null-ingest: all " << readings << " readings, " << repeats << " repeats, " << bad
            << " undecodable" << std::endl;
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));  // acks go on until SIGTERM
}

}  // namespace kotona::bench
