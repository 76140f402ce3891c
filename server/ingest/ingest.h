// Ingest: the server's MQTT subscriber over the shared session (mqtt/session.h). Receives
// gateway batches and status on a shared subscription, stores the batches waiting in its inbox
// in one transaction (group commit, each batch in a savepoint), acks each AFTER the commit
// (invariant 3) and hands new alerts to a sink. Every call, and the sink,
// run on the io thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/counters.h"
#include "core/ids.h"
#include "server/store/store.h"

namespace kotona::server::ingest {

struct IngestOptions {
  std::string mqtt_uri;                       // e.g. tcp://127.0.0.1:1883
  std::string client_id = "kotona-ingest-1";  // persistent session id, one per instance
  std::chrono::milliseconds reconnect_min{500};
  std::chrono::milliseconds reconnect_max{30000};
  // Shared subscription group ($share/GROUP/...) for scale-out; empty: plain subscriptions.
  // With mosquitto's acl_file any client may join a group (docs/security.md).
  std::string share_group = "ingest";
  // TLS (ssl:// URIs): broker verified against tls_ca and the URI's host name; this server
  // authenticates with tls_cert / tls_key. All empty: plaintext (loopback demo only).
  std::string tls_ca = "";
  std::string tls_cert = "";
  std::string tls_key = "";
};

// Called on the io thread with the alerts a batch committed (ascending event_id).
using AlertSink = std::function<void(const std::vector<store::StoredAlert>&)>;
// Called on the io thread with every store write's outcome (`error` nullptr: committed), so
// the server can tell a store that refuses writes (readiness, technical alert).
using StoreResultSink = std::function<void(std::string_view what, const Error* error)>;

class Ingest {
 public:
  // REQUIRES: `io`, `store` and `counters` outlive this object.
  Ingest(boost::asio::io_context& io, IngestOptions options, store::Store& store,
         Counters& counters, AlertSink sink);
  ~Ingest();
  Ingest(const Ingest&) = delete;
  Ingest& operator=(const Ingest&) = delete;

  // Connects (clean start off, session expiry 7 days) and subscribes; reconnects with backoff.
  // Logs "ingest subscribed" when both SUBACKs grant the subscription.
  void start();
  // Disconnects; no callback runs afterwards.
  void stop();
  bool is_subscribed() const;
  void set_store_result_sink(StoreResultSink sink);
  // When the current subscription was granted; nullopt while not subscribed. Technical
  // alerts count silence from here: a server that cannot listen hears nobody.
  std::optional<HubTime> subscribed_since() const;
  // The message path, callable directly by tests (on the io thread): one message as a turn of
  // its own, or several as one inbox turn (one group commit, issue 15).
  void handle_message_for_test(const std::string& topic, const std::string& payload);
  void handle_turn_for_test(const std::vector<std::pair<std::string, std::string>>& messages);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kotona::server::ingest
