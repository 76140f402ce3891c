// A minimal MQTT v5 broker on a free loopback port, in threads of its own, that refuses what a
// client library re-sends from its session state. Its first connection takes PUBLISHes but
// never PUBACKs them and is closed after `hold` of them, so the client keeps them in flight;
// every later CONNACK says "session present" (as mosquitto does for a clean_start = false
// client), and a connection that carries a PUBLISH with the DUP flag is closed at once. Models
// the partitions-test stall (docs/reliability.md): mosquitto closed the hub's connection
// "due to malformed packet" about a second after every CONNACK, for good. Fresh PUBLISHes
// (DUP 0) get a PUBACK and go to `on_publish`; its answer, if any, is sent back to the client
// as a QoS 0 PUBLISH (the test plays the server with it). Not a real broker: no routing.
// hold < 0: the first connection takes every PUBLISH, answers none and stays open (PINGREQ
// answered, so keepalive never ends it), with Receive Maximum 10 in its CONNACK: a client
// that answers no publish while it counts itself connected, as Paho did in the partitions
// test of 2026-12-07 (docs/reliability.md).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace kotona::test {

class ResendRefusingBroker {
 public:
  // (topic, payload) to send back to the publishing client, or nullopt.
  using Answer = std::optional<std::pair<std::string, std::string>>;
  using OnPublish = std::function<Answer(const std::string& topic, const std::string& payload)>;

  ResendRefusingBroker(int hold, OnPublish on_publish);
  ~ResendRefusingBroker();  // closes every socket and joins the threads
  ResendRefusingBroker(const ResendRefusingBroker&) = delete;
  ResendRefusingBroker& operator=(const ResendRefusingBroker&) = delete;

  // Sent as QoS 0 PUBLISHes on `topic` right after each connection's first SUBACK (a
  // subscriber to be fed, such as the server's ingest). Call before any client connects.
  void feed_after_subscribe(std::string topic, std::vector<std::string> payloads);

  std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }  // CONNECTs received
  int held() const { return held_.load(); }                // PUBLISHes never PUBACKed
  int refused() const { return refused_.load(); }          // connections closed for a DUP PUBLISH
  int accepted() const { return accepted_.load(); }        // fresh PUBLISHes PUBACKed

 private:
  void accept_loop();
  void serve(int fd, bool first);
  // False: close the connection.
  bool on_publish_packet(int fd, bool first, std::uint8_t flags,
                         const std::vector<std::uint8_t>& body);

  int hold_;
  OnPublish on_publish_;
  std::string feed_topic_;
  std::vector<std::string> feed_;
  std::mutex on_publish_mutex_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> held_{0};
  std::atomic<int> refused_{0};
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
};

}  // namespace kotona::test
