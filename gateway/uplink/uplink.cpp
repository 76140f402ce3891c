#include "gateway/uplink/uplink.h"

#include <mqtt/async_client.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <functional>
#include <optional>
#include <limits>
#include <random>

#include "core/answer_watch.h"
#include "core/crash_point.h"
#include "core/log.h"
#include "gateway/uplink/codec.h"
#include "mqtt/tcp_nodelay.h"

namespace kotona::gateway {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

constexpr std::string_view kLog = "uplink";
constexpr int kMaxBatchesPerPoke = 50;
constexpr int kFirstFailureReason = 0x80;  // MQTT v5: reason codes >= 0x80 are failures
constexpr std::chrono::seconds kConnectTimeout{10};
// A connect or subscribe with no answer this long is given up (check_liveness).
constexpr std::chrono::seconds kAnswerTimeout = kConnectTimeout + std::chrono::seconds(5);
// The client reporting itself disconnected this long without a connection-lost call.
constexpr std::chrono::seconds kUnreportedDownAfter{2};
// A connection lost this soon after the broker accepted it, or a connect that failed, is a
// short connection; this many in a row and the MQTT client is replaced (renew_client).
constexpr std::chrono::seconds kQuickDrop{5};
constexpr int kQuickDropsBeforeNewClient = 3;

std::string hex_reason(int reason) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(reason) & 0xffu);
  return buf;
}

HubTime now_ms() {
  return std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now());
}

// Paho calls these on its own threads: the handler must only post onto the io_context.
class PostingListener : public mqtt::iaction_listener {
 public:
  using Handler = std::function<void(bool ok, int reason, std::string detail)>;
  explicit PostingListener(Handler handler) : handler_(std::move(handler)) {}
  void on_success(const mqtt::token& tok) override {
    handler_(true, static_cast<int>(tok.get_reason_code()), "");
  }
  void on_failure(const mqtt::token& tok) override {
    handler_(false, static_cast<int>(tok.get_reason_code()),
             "rc " + std::to_string(tok.get_return_code()));
  }

 private:
  Handler handler_;
};

}  // namespace

std::string readings_topic(const GatewayId& g) { return "kotona/v1/gw/" + g.value + "/readings"; }
std::string acks_topic(const GatewayId& g) { return "kotona/v1/gw/" + g.value + "/acks"; }
std::string status_topic(const GatewayId& g) { return "kotona/v1/gw/" + g.value + "/status"; }

class Uplink::Impl {
 public:
  Impl(asio::io_context& io, UplinkOptions options, Outbox& outbox, Counters& counters)
      : io_(io),
        opt_(std::move(options)),
        outbox_(outbox),
        counters_(counters),
        connect_listener_(posting([this](bool ok, int r, std::string d) {
          on_connect_result(ok, r, std::move(d));
        })),
        subscribe_listener_(posting([this](bool ok, int r, std::string d) {
          on_subscribe_result(ok, r, std::move(d));
        })),
        publish_listener_(posting([this](bool ok, int r, std::string d) {
          on_publish_result(ok, r, std::move(d));
        })),
        reconnect_timer_(io),
        resend_timer_(io),
        rng_(std::random_device{}()) {}

  ~Impl() {
    stop();
    *alive_ = false;
    client_.reset();  // before the listeners it points to
  }

  void start();
  void stop();
  bool create_client();
  void set_nodelay();
  void count_short_connection();
  void renew_client();
  void send_pending();
  void publish_status(const std::string& payload);
  bool connected() const { return connected_; }

 private:
  // Wraps a handler so a Paho thread only posts it; it runs on the io thread while we live
  // and the client that answered is still ours (renew_client: a destroyed client fails
  // every request it still held, and those answers are not about the new one).
  PostingListener::Handler posting(std::function<void(bool, int, std::string)> fn) {
    return [this, fn = std::move(fn)](bool ok, int reason, std::string detail) {
      asio::post(io_, [this, alive = alive_, generation = generation_.load(), fn, ok, reason,
                       detail = std::move(detail)]() mutable {
        if (*alive && generation == generation_.load()) fn(ok, reason, std::move(detail));
      });
    };
  }
  void connect();
  void subscribe();
  void on_connect_result(bool ok, int reason, std::string detail);
  void on_subscribe_result(bool ok, int reason, std::string detail);
  void on_publish_result(bool ok, int reason, std::string detail);
  void on_connection_lost(const std::string& cause);
  void on_message(const std::string& topic, const std::string& payload);
  void retry_after_backoff(void (Impl::*action)());
  void check_liveness();
  bool publish(const std::string& topic, const std::string& payload);
  void arm_resend_timer();
#ifdef KOTONA_BROKEN_DELETE_ON_PUBACK
  // NEGATIVE CONTROL ONLY (cmake -DKOTONA_BROKEN=delete_on_puback): rows are deleted when the
  // broker's PUBACK completes the delivery token, violating invariant 3. The reliability
  // harness must report lost readings against this build.
  void broken_delete_on_puback();
  std::vector<std::pair<mqtt::delivery_token_ptr, std::vector<std::string>>> broken_pending_;
  mqtt::delivery_token_ptr broken_last_token_;
#endif

  asio::io_context& io_;
  UplinkOptions opt_;
  Outbox& outbox_;
  Counters& counters_;
  // Checked by posted handlers; the object and each queued handler are the owners.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  PostingListener connect_listener_;
  PostingListener subscribe_listener_;
  PostingListener publish_listener_;
  std::unique_ptr<mqtt::async_client> client_;
  asio::steady_timer reconnect_timer_;
  asio::steady_timer resend_timer_;
  std::mt19937 rng_;
  int attempt_ = 0;
  // Of client_, read by Paho threads: a replaced client's late reports are ignored.
  std::atomic<std::uint64_t> generation_{0};
  std::optional<std::chrono::steady_clock::time_point> accepted_at_;  // last CONNACK
  int quick_drops_ = 0;
  void (Impl::*pending_)() = nullptr;  // what the reconnect timer will do (retry_after_backoff)
  bool connected_ = false;
  bool stopping_ = false;
  AnswerWatch watch_{kAnswerTimeout, kUnreportedDownAfter};  // check_liveness
};

void Uplink::Impl::start() {
  if (!create_client()) return;
  connect();
  arm_resend_timer();
}

bool Uplink::Impl::create_client() {
  const auto generation = ++generation_;
  try {
    client_ = std::make_unique<mqtt::async_client>(opt_.mqtt_uri, opt_.gateway.value,
                                                   mqtt::create_options(MQTTVERSION_5));
    client_->set_connection_lost_handler([this, alive = alive_,
                                          generation](const std::string& cause) {
      asio::post(io_, [this, alive, cause, generation] {
        if (*alive && generation == generation_.load()) on_connection_lost(cause);
      });
    });
    client_->set_message_callback([this, alive = alive_](mqtt::const_message_ptr msg) {
      if (!msg) return;
      asio::post(io_, [this, alive, topic = msg->get_topic(), payload = msg->to_string()] {
        if (*alive) on_message(topic, payload);
      });
    });
  } catch (const std::exception& e) {
    log_error(kLog, "cannot create MQTT client for " + opt_.mqtt_uri + ": " + e.what());
    counters_.add("mqtt_client_error");
    client_.reset();
    return false;
  }
  return true;
}

// The partitions chaos test once left a hub that mosquitto disconnected "due to malformed
// packet" about a second after every CONNACK, for good (docs/reliability.md): what broke each
// new connection came from the client's own state, and Paho keeps its unacknowledged
// PUBLISHes across reconnects (clean_start = false) and sends them again first. A fresh client
// has none; nothing is lost, because the outbox sends every unacked row again anyway.
void Uplink::Impl::count_short_connection() {
#ifndef KOTONA_BROKEN_NO_CLIENT_RENEWAL
  if (++quick_drops_ < kQuickDropsBeforeNewClient) return;
  quick_drops_ = 0;
  renew_client();
#endif
}

void Uplink::Impl::renew_client() {
  counters_.add("mqtt_client_renewed");
  log_warn(kLog, std::to_string(kQuickDropsBeforeNewClient) +
                     " connections in a row failed or were lost within " +
                     std::to_string(kQuickDrop.count()) +
                     " s: starting a fresh MQTT client (the outbox sends every unacked reading "
                     "again)");
  try {
    client_->disable_callbacks();
    if (client_->is_connected()) client_->disconnect(0);
  } catch (const mqtt::exception& e) {
    log_warn(kLog, std::string("disconnect before renewing the client: ") + e.what());
  }
  client_.reset();
  create_client();
}

void Uplink::Impl::connect() {
  if (stopping_) return;
  if (!client_ && !create_client()) {  // a renewal that failed: try again later
    retry_after_backoff(&Impl::connect);
    return;
  }
  auto builder = mqtt::connect_options_builder();
  if (!opt_.tls_ca.empty()) {
    // The broker must prove it is the broker: chain to our CA AND name the host we dialled
    // (verify). TLS 1.2 is the floor; the broker refuses older versions too.
    builder.ssl(mqtt::ssl_options_builder()
                    .trust_store(opt_.tls_ca)
                    .key_store(opt_.tls_cert)
                    .private_key(opt_.tls_key)
                    .enable_server_cert_auth(true)
                    .verify(true)
                    .ssl_version(MQTT_SSL_VERSION_TLS_1_2)
                    .error_handler([this, alive = alive_](const std::string& why) {
                      asio::post(io_, [this, alive, why] {
                        if (!*alive) return;
                        counters_.add("mqtt_tls_error");
                        log_warn(kLog, "TLS: " + why);
                      });
                    })
                    .finalize());
  }
  auto options = builder.mqtt_version(MQTTVERSION_5)
                     .clean_start(false)
                     .properties({mqtt::property(mqtt::property::SESSION_EXPIRY_INTERVAL,
                                                 24 * 60 * 60)})
                     .automatic_reconnect(false)
                     .connect_timeout(kConnectTimeout)
                     .keep_alive_interval(std::chrono::seconds(20))
                     .finalize();
  try {
    client_->connect(options, nullptr, connect_listener_);
    watch_.expect("connect", std::chrono::steady_clock::now());
  } catch (const mqtt::exception& e) {
    log_warn(kLog, std::string("connect to ") + opt_.mqtt_uri + " failed: " + e.what());
    counters_.add("mqtt_connect_failed");
    retry_after_backoff(&Impl::connect);
  }
}

void Uplink::Impl::on_connect_result(bool ok, int reason, std::string detail) {
  if (stopping_) return;
  watch_.clear();
  if (!ok || reason >= kFirstFailureReason) {
    log_warn(kLog, "connect to " + opt_.mqtt_uri + " failed: reason " + hex_reason(reason) +
                       (detail.empty() ? "" : ", " + detail));
    counters_.add("mqtt_connect_failed");
    count_short_connection();  // Paho also reports a CONNACK followed by a close this way
    retry_after_backoff(&Impl::connect);
    return;
  }
  accepted_at_ = std::chrono::steady_clock::now();
  set_nodelay();
  subscribe();
}

// Nagle held ~45 % of alerts 38-44 ms on the hub's socket (issue 15); Paho never sets
// TCP_NODELAY (tcp_nodelay.h), so the uplink does, on the socket Paho just connected.
void Uplink::Impl::set_nodelay() {
  const auto colon = opt_.mqtt_uri.rfind(':');
  unsigned port = 0;
  if (colon != std::string::npos) {
    std::from_chars(opt_.mqtt_uri.data() + colon + 1,
                    opt_.mqtt_uri.data() + opt_.mqtt_uri.size(), port);
  }
  const bool valid = port > 0 && port <= 65535;
  if (!valid || mqtt_link::set_tcp_nodelay_to_peer_port(static_cast<std::uint16_t>(port)) == 0) {
    counters_.add("mqtt_nodelay_not_set");
  }
}

void Uplink::Impl::subscribe() {
  if (stopping_ || !client_) return;
  try {
    client_->subscribe(acks_topic(opt_.gateway), 1, nullptr, subscribe_listener_);
    watch_.expect("subscribe", std::chrono::steady_clock::now());
  } catch (const mqtt::exception& e) {
    log_warn(kLog, std::string("subscribe failed: ") + e.what());
    counters_.add("mqtt_subscribe_refused");
    // Not connected any more: subscribing again cannot work, connecting can.
    retry_after_backoff(client_->is_connected() ? &Impl::subscribe : &Impl::connect);
  }
}

void Uplink::Impl::on_subscribe_result(bool ok, int reason, std::string detail) {
  if (stopping_) return;
  watch_.clear();
  if (!ok || reason >= kFirstFailureReason) {
    // A refused SUBACK means acks would never arrive: keep asking, do not call this connected.
    log_warn(kLog, "subscription to " + acks_topic(opt_.gateway) + " refused: reason " +
                       hex_reason(reason) + (detail.empty() ? "" : ", " + detail));
    counters_.add("mqtt_subscribe_refused");
    retry_after_backoff(&Impl::subscribe);
    return;
  }
  connected_ = true;
  attempt_ = 0;
  counters_.add("mqtt_connected");
  log_info(kLog, "uplink connected to " + opt_.mqtt_uri + " as " + opt_.gateway.value);
  // Whatever was in flight may be lost with the old connection: send everything again.
  if (auto r = outbox_.reset_sent(); !r) {
    log_error(kLog, "outbox reset_sent: " + describe(r.error()));
    counters_.add("outbox_error");
  }
  send_pending();
}

void Uplink::Impl::on_connection_lost(const std::string& cause) {
  if (stopping_) return;
  connected_ = false;
  counters_.add("mqtt_connection_lost");
  log_warn(kLog, "uplink connection lost" + (cause.empty() ? std::string() : ": " + cause));
  const bool quick =
      accepted_at_ && std::chrono::steady_clock::now() - *accepted_at_ < kQuickDrop;
  accepted_at_.reset();
  if (quick) {
    count_short_connection();
  } else {
    quick_drops_ = 0;
  }
  retry_after_backoff(&Impl::connect);
}

void Uplink::Impl::retry_after_backoff(void (Impl::*action)()) {
  if (stopping_) return;
  // One timer serves both retries, so the action is kept in pending_ and read when the timer
  // fires. A pending reconnect is never replaced by a re-subscribe: a subscribe retry that
  // had already fired (its handler queued, past cancelling) as the connection dropped used
  // to re-arm the timer over the reconnect, and the client never reconnected (found by the
  // partitions chaos test: a hub stuck for good with 16 761 readings in its outbox).
  if (pending_ == &Impl::connect && action != &Impl::connect) return;
  pending_ = action;
  watch_.clear();  // the timer owns the next step now
  auto min_ms = std::max<milliseconds::rep>(1, opt_.reconnect_min.count());
  auto max_ms = std::max(min_ms, opt_.reconnect_max.count());
  auto delay = min_ms;
  for (int i = 0; i < attempt_ && delay < max_ms; ++i) delay *= 2;
  delay = std::min(delay, max_ms);
  attempt_ = std::min(attempt_ + 1, 30);
  // Full jitter over the upper half so a fleet of hubs does not reconnect in step.
  std::uniform_int_distribution<milliseconds::rep> jitter(delay / 2, delay);
  reconnect_timer_.expires_after(milliseconds(jitter(rng_)));
  reconnect_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive || stopping_ || pending_ == nullptr) return;
    auto next = pending_;
    pending_ = nullptr;
    (this->*next)();
  });
}

bool Uplink::Impl::publish(const std::string& topic, const std::string& payload) {
  try {
#ifdef KOTONA_BROKEN_DELETE_ON_PUBACK
    broken_last_token_ =
#endif
    client_->publish(topic, payload.data(), payload.size(), 1, false, nullptr, publish_listener_);
    return true;
  } catch (const mqtt::exception& e) {
    log_warn(kLog, "publish to " + topic + " failed: " + e.what());
    counters_.add("mqtt_publish_failed");
    return false;
  }
}

void Uplink::Impl::on_publish_result(bool ok, int reason, std::string detail) {
  // PUBACK proves nothing (invariant 3): rows stay until the server's Ack. This only counts.
  if (ok && reason < kFirstFailureReason) {
    counters_.add("mqtt_puback");
    crash_point("gateway.after_puback");
#ifdef KOTONA_BROKEN_DELETE_ON_PUBACK
    broken_delete_on_puback();
#endif
    return;
  }
  counters_.add(ok ? "mqtt_publish_refused" : "mqtt_publish_failed");
  log_warn(kLog, "broker did not accept a publish: reason " + hex_reason(reason) +
                     (detail.empty() ? "" : ", " + detail) + "; re-sent after ack timeout");
}

void Uplink::Impl::send_pending() {
  if (!connected_ || stopping_) return;
  for (int i = 0; i < kMaxBatchesPerPoke; ++i) {
    HubTime now = now_ms();
    const std::size_t in_flight = outbox_.in_flight();
    std::size_t room =
        in_flight < opt_.max_inflight_readings ? opt_.max_inflight_readings - in_flight : 0;
#ifdef KOTONA_BROKEN_NO_INFLIGHT_CAP
    // NEGATIVE CONTROL ONLY (cmake -DKOTONA_BROKEN=no_inflight_cap): the whole backlog goes
    // out at once; the hub drain test must see re-sends.
    room = std::numeric_limits<std::size_t>::max();
#endif
    auto rows = outbox_.next_to_send(opt_.batch_max_readings, now, opt_.ack_timeout, room);
    if (!rows) {
      log_error(kLog, "outbox next_to_send: " + describe(rows.error()));
      counters_.add("outbox_error");
      return;
    }
    if (rows->empty()) return;
    std::vector<std::string> payloads;
    std::vector<std::string> uids;
    for (auto& row : *rows) {
      payloads.push_back(std::move(row.payload));
      uids.push_back(std::move(row.reading_uid));
    }
    auto batch_id = outbox_.next_batch_id();
    if (!batch_id) {
      log_error(kLog, "outbox next_batch_id: " + describe(batch_id.error()));
      counters_.add("outbox_error");
      return;
    }
    auto batch = encode_batch(opt_.gateway, *batch_id, now, payloads);
    if (!batch) {
      log_error(kLog, "outbox holds an undecodable row: " + describe(batch.error()));
      counters_.add("outbox_bad_payload");
    } else if (!publish(readings_topic(opt_.gateway), *batch)) {
      return;
    } else {
      crash_point("gateway.after_publish");
      counters_.add("readings_sent", uids.size());
      counters_.add("batches_sent");
#ifdef KOTONA_BROKEN_DELETE_ON_PUBACK
      broken_pending_.emplace_back(broken_last_token_, uids);
#endif
    }
    if (auto r = outbox_.mark_sent(uids, now); !r) {
      log_error(kLog, "outbox mark_sent: " + describe(r.error()));
      counters_.add("outbox_error");
      return;
    }
  }
}

#ifdef KOTONA_BROKEN_DELETE_ON_PUBACK
void Uplink::Impl::broken_delete_on_puback() {
  std::erase_if(broken_pending_, [this](auto& entry) {
    if (!entry.first || !entry.first->is_complete()) return false;
    (void)outbox_.remove(entry.second);
    return true;
  });
}
#endif

void Uplink::Impl::on_message(const std::string& topic, const std::string& payload) {
  if (topic != acks_topic(opt_.gateway)) {
    counters_.add("mqtt_unexpected_topic");
    return;
  }
  auto ack = decode_ack(payload);
  if (!ack || ack->gateway != opt_.gateway) {
    counters_.add("mqtt_bad_ack");
    log_warn(kLog, "ignoring malformed ack: " +
                       (ack ? "gateway id '" + ack->gateway.value + "'" : describe(ack.error())));
    return;
  }
  auto removed = outbox_.remove(ack->reading_uids);
  if (!removed) {
    log_error(kLog, "outbox remove: " + describe(removed.error()));
    counters_.add("outbox_error");
    return;
  }
  counters_.add("readings_acked", *removed);
  log_debug(kLog, "ack for batch " + std::to_string(ack->batch_id) + ": " +
                      std::to_string(*removed) + " rows deleted");
  send_pending();
}

// Paho 1.3 does not always answer: in the partitions chaos test a link that died around a
// connect or subscribe left the request with neither success nor failure and no
// connection-lost call, and a client that waits for that answer never reconnects (a hub
// stuck with its outbox full). So, on every resend tick: a request unanswered for
// kAnswerTimeout is given up and the connection started again; a client that says it is
// disconnected while no connection-lost call came for kUnreportedDownAfter is treated as lost.
void Uplink::Impl::check_liveness() {
  if (stopping_ || !client_) return;
  switch (watch_.check(std::chrono::steady_clock::now(), connected_, client_->is_connected())) {
    case AnswerWatch::Verdict::kFine:
      return;
    case AnswerWatch::Verdict::kNoAnswer:
      break;
    case AnswerWatch::Verdict::kLostUnreported:
      counters_.add("mqtt_lost_unreported");
      on_connection_lost("the MQTT client is disconnected but did not report it");
      return;
  }
  log_warn(kLog, std::string("no answer to ") + watch_.given_up() + " from the MQTT client in " +
                     std::to_string(kAnswerTimeout.count()) + " s: connecting again");
  counters_.add("mqtt_no_answer");
  count_short_connection();
  // A client that got its CONNACK counts itself connected: end that session first (the
  // disconnect is queued ahead of the new connect).
  try {
    if (client_->is_connected()) client_->disconnect(0);
  } catch (const mqtt::exception& e) {
    log_warn(kLog, std::string("disconnect before reconnecting: ") + e.what());
  }
  connected_ = false;
  retry_after_backoff(&Impl::connect);
}

void Uplink::Impl::arm_resend_timer() {
  if (stopping_) return;
  auto tick = std::clamp(opt_.ack_timeout / 4, milliseconds(50), milliseconds(1000));
  resend_timer_.expires_after(tick);
  resend_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive || stopping_) return;
    check_liveness();
    send_pending();
    arm_resend_timer();
  });
}

void Uplink::Impl::publish_status(const std::string& payload) {
  if (!connected_ || stopping_) {
    counters_.add("status_dropped");
    return;
  }
  publish(status_topic(opt_.gateway), payload);
}

void Uplink::Impl::stop() {
  if (stopping_) return;
  stopping_ = true;
  connected_ = false;
  reconnect_timer_.cancel();
  resend_timer_.cancel();
  if (!client_) return;
  try {
    client_->disable_callbacks();
    if (client_->is_connected()) client_->disconnect()->wait_for(std::chrono::seconds(2));
  } catch (const mqtt::exception& e) {
    log_warn(kLog, std::string("disconnect: ") + e.what());
  }
}

Uplink::Uplink(asio::io_context& io, UplinkOptions options, Outbox& outbox, Counters& counters)
    : impl_(std::make_unique<Impl>(io, std::move(options), outbox, counters)) {}
Uplink::~Uplink() = default;
void Uplink::start() { impl_->start(); }
void Uplink::stop() { impl_->stop(); }
void Uplink::poke() { impl_->send_pending(); }
void Uplink::publish_status(const std::string& payload) { impl_->publish_status(payload); }
bool Uplink::is_connected() const { return impl_->connected(); }

}  // namespace kotona::gateway
