// Uplink: the gateway's outbox pump over the shared MQTT session (mqtt/session.h). Sends outbox
// rows as ReadingBatch messages, deletes rows only when the server's Ack names them (invariant
// 3), re-sends unacked rows after ack_timeout and all of them after each reconnect. Use from
// the io_context's thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "core/counters.h"
#include "core/ids.h"
#include "gateway/outbox/outbox.h"

namespace kotona::gateway {

struct UplinkOptions {
  GatewayId gateway;     // MQTT client id and topic identity
  std::string mqtt_uri;  // tcp://host:port, or ssl://host:port with the three tls_ files
  std::chrono::milliseconds ack_timeout{10000};
  std::size_t batch_max_readings = 100;
  std::chrono::milliseconds reconnect_min{500};
  std::chrono::milliseconds reconnect_max{30000};
  // Readings sent and not yet acked, at most (re-sends of those do not add). Without a cap a
  // backlog went out far faster than the server acks it and every row waited out ack_timeout
  // in the queues: a 100k backlog on one hub was re-sent ~10 times over (issue 15).
  std::size_t max_inflight_readings = 2000;
  // TLS: the broker must present a certificate signed by tls_ca naming the URI's host; this
  // hub authenticates with tls_cert/tls_key. All empty for a plaintext (loopback demo) broker.
  std::string tls_ca = "";
  std::string tls_cert = "";
  std::string tls_key = "";
  // Publishes the MQTT client took and answered none of for this long on a live connection:
  // the client is replaced and every unacked row sent again (mqtt/session.h).
  std::chrono::milliseconds publish_answer_timeout{15000};
};

class Uplink {
 public:
  // REQUIRES: `io`, `outbox` and `counters` outlive this object.
  Uplink(boost::asio::io_context& io, UplinkOptions options, Outbox& outbox, Counters& counters);
  ~Uplink();
  Uplink(const Uplink&) = delete;
  Uplink& operator=(const Uplink&) = delete;

  // Starts connecting; retries with jittered exponential backoff forever. Logs
  // "uplink connected" every time the connection and the ack subscription are up.
  void start();
  // Disconnects (bounded wait) and stops every timer. Idempotent.
  void stop();
  // New rows are in the outbox: send what is due now (no-op while disconnected).
  void poke();
  // Publishes an encoded GatewayStatus (QoS 1); dropped while disconnected.
  void publish_status(const std::string& payload);
  bool is_connected() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kotona::gateway
