// Session: one MQTT v5 session to the broker, used by both wings (the hub's uplink and the
// server's ingest). It owns the Paho client and runs one coroutine that connects (TLS when
// configured, clean start off so the broker keeps the session), sets TCP_NODELAY, subscribes,
// reports the session up, watches it, and on any failure backs off (jittered exponential) and
// starts again, forever, until stop(). Paho's threads only post onto the io_context; every
// event below runs on the io thread. mqtt::exception never leaves session.cpp.
//
// Paho 1.3 does not always answer (partitions chaos test, docs/reliability.md): a connect or
// subscribe with no answer in kAnswerTimeout is given up (`mqtt_no_answer`), and a client that
// says it is disconnected without a connection-lost call for 2 s is treated as lost
// (`mqtt_lost_unreported`).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/counters.h"

namespace kotona::mqtt_link {

struct Subscription {
  std::string filter;
  int qos = 1;
  // Required: the session is up only once the broker granted it. Optional ones (an extra such
  // as the broker's $SYS counters) are asked for after the required ones; a refusal is only
  // reported (SessionEvents::optional_refused).
  bool required = true;
};

struct SessionOptions {
  std::string uri;        // tcp://host:port, or ssl://host:port with the three tls_ files
  std::string client_id;  // the broker keeps this client's session
  std::string log_name;   // "uplink", "ingest": the log component
  std::chrono::seconds session_expiry{24 * 60 * 60};
  std::chrono::milliseconds reconnect_min{500};
  std::chrono::milliseconds reconnect_max{30000};
  std::vector<Subscription> subscriptions;
  // After this many short connections in a row (connect failed, went unanswered, or was lost
  // within 5 s of its CONNACK) the Paho client is replaced by a fresh one; 0: never. Paho keeps
  // its unacknowledged PUBLISHes across reconnects and sends them first: a broker that closes
  // the connection over them closes every new one too (docs/reliability.md, partitions).
  int renew_client_after = 0;
  // TLS: the broker must present a certificate signed by tls_ca naming the URI's host; this
  // end authenticates with tls_cert / tls_key. All empty: plaintext (loopback demo only).
  std::string tls_ca = "";
  std::string tls_cert = "";
  std::string tls_key = "";
  // Messages handed over per io_context turn, at most (those already waiting; never waits for
  // more), each through SessionEvents::message, then SessionEvents::turn_end once. The hub
  // takes 1; the server's ingest more, to store them in one transaction (issue 15).
  std::size_t messages_per_turn = 1;
  // PUBLISHes Paho holds not yet completed, at most (its default is 100, connected or not);
  // publish() beyond it fails ("No more messages can be buffered"). The ingest acks a whole
  // turn at once and needs more (issue 15: a burst of 64 acks lost some at 100).
  std::size_t max_buffered_messages = 100;
  // A live connection on which publishes handed to Paho get no answer (no PUBACK, no failure)
  // for this long is given up and the Paho client replaced (`mqtt_publish_unanswered`): the
  // partitions chaos test left a hub whose client held 100 publishes and answered none, for
  // good, while it counted itself connected (docs/reliability.md). 0: never.
  std::chrono::milliseconds publish_answer_timeout{15000};
};

struct SessionEvents {
  // Connected and every required subscription granted.
  std::function<void()> up;
  // An up session was lost (`cause` from Paho, may be empty).
  std::function<void(const std::string& cause)> down;
  // One message; at most SessionOptions::messages_per_turn per io_context turn: work queued
  // meanwhile (an HTTP request, a timer) waits for one turn's handling, not for a whole backlog.
  std::function<void(const std::string& topic, const std::string& payload)> message;
  // The broker's answer to publish() number `id`: accepted (PUBACK with a success code) or not.
  std::function<void(std::uint64_t id, bool accepted, int reason, const std::string& detail)>
      published;
  // An optional subscription was refused (reason code; -1: the request failed locally).
  std::function<void(const std::string& filter, int reason)> optional_refused;
  // After the last message of a turn (optional).
  std::function<void()> turn_end = {};
};

class Session {
 public:
  static constexpr std::chrono::seconds kConnectTimeout{10};
  static constexpr std::chrono::seconds kAnswerTimeout = kConnectTimeout + std::chrono::seconds(5);

  // REQUIRES: `io` and `counters` outlive this object; events run on the io thread.
  Session(boost::asio::io_context& io, SessionOptions options, SessionEvents events,
          Counters& counters);
  ~Session();  // stop()
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start();
  // Disconnects (waits at most 2 s) and ends the flow; no event runs afterwards. Idempotent.
  void stop();
  bool is_up() const;
  // In SessionEvents::message: how long that message waited for the io thread (MessageInbox).
  std::chrono::steady_clock::duration message_waited() const;
  // Queues a PUBLISH; its number for SessionEvents::published, nullopt when it could not be
  // queued (no client, Paho refused: logged and counted as mqtt_publish_failed).
  std::optional<std::uint64_t> publish(const std::string& topic, std::string_view payload, int qos);
  // Publishes the current Paho client took and has not answered yet (0 after a new client).
  // An owner that publishes faster than the broker answers keeps this under
  // max_buffered_messages, or Paho refuses the surplus (MQTT error -12).
  std::size_t publishes_unanswered() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;  // shared with the running flow, which may outlive a turn
};

// The port of a tcp:// or ssl:// URI; 0 when there is none.
std::uint16_t uri_port(std::string_view uri);

}  // namespace kotona::mqtt_link
