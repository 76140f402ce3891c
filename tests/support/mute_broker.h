// A minimal MQTT v5 broker for liveness tests, on a free loopback port, in a thread of its
// own: it never answers the SUBSCRIBEs of its first `mute_connections` connections (CONNACK
// and PINGRESP still come, so neither the client's connect timeout nor its keepalive ends
// the wait), then behaves: SUBACK granting QoS 1, PUBACK for QoS 1 PUBLISH, PINGRESP. Models
// an answer that never comes (a broker or client library that lost it). Not a real broker:
// no routing, no sessions; use mosquitto (mosquitto.h) for everything else.
#pragma once

#include <atomic>
#include <string>
#include <thread>

namespace kotona::test {

class MuteBroker {
 public:
  explicit MuteBroker(int mute_connections = 1);
  ~MuteBroker();  // closes every socket and joins the threads
  MuteBroker(const MuteBroker&) = delete;
  MuteBroker& operator=(const MuteBroker&) = delete;

  std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }      // CONNECTs received
  int subscribes_ignored() const { return ignored_.load(); }   // SUBSCRIBEs left unanswered
  int subscribes_answered() const { return answered_.load(); }

 private:
  void accept_loop();
  void serve(int fd, bool mute);

  int mute_connections_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> ignored_{0};
  std::atomic<int> answered_{0};
  std::thread acceptor_;
};

}  // namespace kotona::test
