#include "gateway/uplink/uplink.h"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <limits>
#include <map>
#include <utility>
#include <vector>

#include "core/crash_point.h"
#include "core/log.h"
#include "mqtt/session.h"
#include "mqtt/topics.h"
#include "proto/codec/wire.h"

namespace kotona::gateway {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

constexpr std::string_view kLog = "uplink";
constexpr int kMaxBatchesPerPoke = 50;
// Acks handled per io turn, at most (those already waiting): their rows are deleted in ONE
// transaction at the turn's end (issue 15: one delete transaction per ack was 17 % of the
// hub's CPU through a real meter). Small, so a meter's serial work waits for little.
constexpr std::size_t kAcksPerTurn = 16;
// Acked rows are deleted at most kDeleteAfter after their ack, in one transaction
// (Outbox::settle / flush_settled): through a real meter acks come one at a time, one per io
// turn, so grouping per turn still meant one delete commit (one fsync) per reading. A turn
// that settles a full batch's worth (a backlog draining) deletes at once, as before: waiting
// there saved nothing measurable and slowed the drain. Settled rows are out of flight at once.
constexpr milliseconds kDeleteAfter{200};
constexpr std::size_t kDeleteAtSettled = 100;
// After this many short connections in a row the MQTT client is replaced (mqtt/session.h):
// the partitions chaos test once left a hub that mosquitto disconnected "due to malformed
// packet" about a second after every CONNACK, for good (docs/reliability.md): what broke each
// new connection came from the client's own state, its unacknowledged PUBLISHes that Paho
// sends first on every reconnect. Nothing is lost: the outbox sends every unacked row again.
#ifdef KOTONA_BROKEN_NO_CLIENT_RENEWAL
constexpr int kRenewClientAfter = 0;  // NEGATIVE CONTROL ONLY (-DKOTONA_BROKEN=no_client_renewal)
#else
constexpr int kRenewClientAfter = 3;
#endif

// Batches (and heartbeats) handed to the MQTT client and not yet answered, at most. The
// reading cap above is not enough: readings arriving one at a time from fast meters go out as
// one-reading batches, and 1000 of them overflowed Paho's buffer of 100 (max_buffered_messages:
// "No more messages can be buffered", thousands of refused publishes a second in the partitions
// test). Above mosquitto's 20 in flight, so the pipe stays full; meanwhile rows wait in the
// outbox and leave as fuller batches.
constexpr std::size_t kMaxPublishesUnanswered = 32;

HubTime now_ms() {
  return std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now());
}

mqtt_link::SessionOptions session_options(const UplinkOptions& opt) {
  return {.uri = opt.mqtt_uri,
          .client_id = opt.gateway.value,
          .log_name = std::string(kLog),
          .session_expiry = std::chrono::hours(24),
          .reconnect_min = opt.reconnect_min,
          .reconnect_max = opt.reconnect_max,
          .subscriptions = {{mqtt_link::acks_topic(opt.gateway), 1, true}},
          .renew_client_after = kRenewClientAfter,
          .tls_ca = opt.tls_ca,
          .tls_cert = opt.tls_cert,
          .tls_key = opt.tls_key,
          .messages_per_turn = kAcksPerTurn,
#ifdef KOTONA_BROKEN_NO_PUBLISH_WATCHDOG
          // NEGATIVE CONTROL ONLY (-DKOTONA_BROKEN=no_publish_watchdog)
          .publish_answer_timeout = milliseconds(0)};
#else
          .publish_answer_timeout = opt.publish_answer_timeout};
#endif
}

}  // namespace

// The outbox pump: rows out as batches through the shared MQTT session, rows deleted on the
// server's Ack. The session owns connecting, reconnecting and liveness.
class Uplink::Impl {
 public:
  Impl(asio::io_context& io, UplinkOptions options, Outbox& outbox, Counters& counters)
      : opt_(std::move(options)),
        outbox_(outbox),
        counters_(counters),
        session_(io, session_options(opt_), events(), counters),
        resend_timer_(io),
        delete_timer_(io) {}
  ~Impl() { stop(); }

  void start() {
    session_.start();
    arm_resend_timer();
  }
  void stop() {
    stopping_ = true;
    resend_timer_.cancel();
    delete_timer_.cancel();
    session_.stop();
  }
  void send_pending();
  void publish_status(const std::string& payload);
  bool connected() const { return session_.is_up(); }

 private:
  mqtt_link::SessionEvents events() {
    return {.up = [this] { on_up(); },
            .down = {},
            .message = [this](const std::string& t, const std::string& p) { on_message(t, p); },
            .published =
                [this](std::uint64_t id, bool accepted, int reason, const std::string& detail) {
                  on_published(id, accepted, reason, detail);
                },
            .optional_refused = {},
            .turn_end = [this] { on_turn_end(); }};
  }
  void on_up();
  void on_published(std::uint64_t id, bool accepted, int reason, const std::string& detail);
  void on_message(const std::string& topic, const std::string& payload);
  void on_turn_end();
  void delete_settled();
  void arm_delete_timer();
  void arm_resend_timer();
#ifdef KOTONA_BROKEN_DELETE_ON_PUBACK
  // NEGATIVE CONTROL ONLY (cmake -DKOTONA_BROKEN=delete_on_puback): rows are deleted when the
  // broker's PUBACK answers their publish, violating invariant 3. The reliability harness
  // must report lost readings against this build.
  std::map<std::uint64_t, std::vector<std::string>> broken_pending_;
#endif

  UplinkOptions opt_;
  Outbox& outbox_;
  Counters& counters_;
  mqtt_link::Session session_;
  asio::steady_timer resend_timer_;
  asio::steady_timer delete_timer_;  // armed while settled rows wait for their delete
  bool delete_armed_ = false;
  bool stopping_ = false;
  // Uids named by the acks of the current io turn; deleted by on_turn_end() in the same turn.
  std::vector<std::string> acked_;
  std::size_t acks_in_turn_ = 0;
};

void Uplink::Impl::on_up() {
  log_info(kLog, "uplink connected to " + opt_.mqtt_uri + " as " + opt_.gateway.value);
  delete_settled();  // what was acked is not sent again
  // Whatever was in flight may be lost with the old connection: send everything again.
  if (auto r = outbox_.reset_sent(); !r) {
    log_error(kLog, "outbox reset_sent: " + describe(r.error()));
    counters_.add("outbox_error");
  }
  send_pending();
}

void Uplink::Impl::on_published(std::uint64_t id, bool accepted, int reason,
                                const std::string& detail) {
  (void)id;
  // PUBACK proves nothing (invariant 3): rows stay until the server's Ack. This only counts.
  if (accepted) {
    counters_.add("mqtt_puback");
    crash_point("gateway.after_puback");
#ifdef KOTONA_BROKEN_DELETE_ON_PUBACK
    if (auto it = broken_pending_.find(id); it != broken_pending_.end()) {
      (void)outbox_.remove(it->second);
      broken_pending_.erase(it);
    }
#endif
    return;
  }
  counters_.add(detail.empty() ? "mqtt_publish_refused" : "mqtt_publish_failed");
  log_warn(kLog, "broker did not accept a publish: reason " + std::to_string(reason) +
                     (detail.empty() ? "" : ", " + detail) + "; re-sent after ack timeout");
}

void Uplink::Impl::send_pending() {
  if (!session_.is_up() || stopping_) return;
  for (int i = 0; i < kMaxBatchesPerPoke; ++i) {
    if (session_.publishes_unanswered() >= kMaxPublishesUnanswered) return;  // on an answer
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
    auto batch = wire::encode_batch(opt_.gateway, *batch_id, now, payloads);
    if (!batch) {
      log_error(kLog, "outbox holds an undecodable row: " + describe(batch.error()));
      counters_.add("outbox_bad_payload");
    } else if (auto id = session_.publish(mqtt_link::readings_topic(opt_.gateway), *batch, 1);
               !id) {
      return;
    } else {
      crash_point("gateway.after_publish");
      counters_.add("readings_sent", uids.size());
      counters_.add("batches_sent");
#ifdef KOTONA_BROKEN_DELETE_ON_PUBACK
      broken_pending_[*id] = uids;
#endif
    }
    if (auto r = outbox_.mark_sent(uids, now); !r) {
      log_error(kLog, "outbox mark_sent: " + describe(r.error()));
      counters_.add("outbox_error");
      return;
    }
  }
}

void Uplink::Impl::on_message(const std::string& topic, const std::string& payload) {
  if (topic != mqtt_link::acks_topic(opt_.gateway)) {
    counters_.add("mqtt_unexpected_topic");
    return;
  }
  auto ack = wire::decode_ack(payload);
  if (!ack || ack->gateway != opt_.gateway) {
    counters_.add("mqtt_bad_ack");
    log_warn(kLog, "ignoring malformed ack: " +
                       (ack ? "gateway id '" + ack->gateway.value + "'" : describe(ack.error())));
    return;
  }
  for (auto& entry : ack->readings) acked_.push_back(std::move(entry.reading_uid));
  ++acks_in_turn_;
  log_debug(kLog, "ack for batch " + std::to_string(ack->batch_id) + ": " +
                      std::to_string(ack->readings.size()) + " readings");
}

// Invariant 3 holds: every uid settled here was named by a server ack, and only settled rows
// are deleted (delete_settled); a crash before that commit only re-sends them (the server
// deduplicates by uid).
void Uplink::Impl::on_turn_end() {
  if (acks_in_turn_ == 0) return;
  const std::size_t acks = std::exchange(acks_in_turn_, 0);
  outbox_.settle(acked_);
  log_debug(kLog,
            std::to_string(acks) + " acks: " + std::to_string(acked_.size()) + " readings settled");
  acked_.clear();
  if (outbox_.settled() >= kDeleteAtSettled) {
    delete_settled();
  } else {
    arm_delete_timer();
  }
  send_pending();
}

void Uplink::Impl::arm_delete_timer() {
  if (delete_armed_ || stopping_) return;
  delete_armed_ = true;
  delete_timer_.expires_after(kDeleteAfter);
  delete_timer_.async_wait([this](boost::system::error_code ec) {
    delete_armed_ = false;
    if (!ec && !stopping_) delete_settled();
  });
}

void Uplink::Impl::delete_settled() {
  auto flushed = outbox_.flush_settled();
  if (!flushed) {  // kept settled: tried again after kDeleteAfter
    log_error(kLog, "outbox remove: " + describe(flushed.error()));
    counters_.add("outbox_error");
    arm_delete_timer();
    return;
  }
  counters_.add("readings_acked", flushed->removed);
  // Named by an ack but already gone (or named twice before this delete): the second ack of a
  // reading sent twice (re-sent after ack_timeout or a reconnect, then both acks came). Beside
  // readings_sent it tells a late ack (it counts here) from one that never came (issue 15,
  // docs/performance.md).
  if (flushed->named > flushed->removed) {
    counters_.add("readings_acked_again", flushed->named - flushed->removed);
  }
}

void Uplink::Impl::arm_resend_timer() {
  if (stopping_) return;
  auto tick = std::clamp(opt_.ack_timeout / 4, milliseconds(50), milliseconds(1000));
  resend_timer_.expires_after(tick);
  resend_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    send_pending();
    arm_resend_timer();
  });
}

void Uplink::Impl::publish_status(const std::string& payload) {
  if (!session_.is_up() || stopping_) {
    counters_.add("status_dropped");
    return;
  }
  (void)session_.publish(mqtt_link::status_topic(opt_.gateway), payload, 1);
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
