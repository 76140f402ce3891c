#include "server/ingest/ingest.h"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <map>

#include "core/crash_point.h"
#include "core/log.h"
#include "core/log_repeat.h"
#include "mqtt/session.h"
#include "mqtt/topics.h"
#include "proto/codec/wire.h"
#include "server/ingest/intake.h"
#include "server/ingest/log_text.h"
#include "server/store/json_text.h"

namespace kotona::server::ingest {

namespace asio = boost::asio;
using mqtt_link::parse_topic;
using mqtt_link::TopicKind;
using std::chrono::milliseconds;

namespace {

constexpr std::string_view kLog = "ingest";

std::uint64_t micros(std::chrono::steady_clock::duration d) {
  return static_cast<std::uint64_t>(
      std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(d).count()));
}
// Heartbeats are written together (issue 15): one transaction per flush instead of one
// autocommit (one fsync) per message, which capped the server at ~230 heartbeats a second on
// the bench's disk, below what 10 000 hubs send at their 30 s default. A heartbeat is soft
// state (the next one replaces it) and MQTT acks it on receipt already, so holding it this
// long weakens nothing; the technical check reads it at most this much later.
constexpr milliseconds kStatusFlushAfter{200};
constexpr std::size_t kStatusFlushRows = 1000;
// Group commit (issue 15): the reading batches of one inbox turn share one transaction. A turn
// takes what is waiting, never waits for more (at a low rate a group is one message, stored as
// before), and is capped so a backlog still yields the io thread (/healthz, timers) every few
// milliseconds: at most kGroupMessages messages, and the group is stored early once it holds
// kGroupReadings readings. That is half of what one hub keeps in flight (the gateway's
// max_inflight_readings, 2000): while the server stores and commits one group, the hub's next
// batches are already waiting for the next turn. With a group as large as the hub's whole
// window (2000 and 1000 until 2026-12-08), the server's commit and the hub's turn-around
// took turns, and one hub drained into PostgreSQL at ~17k readings/s instead of ~35k
// (docs/performance.md, "One hub's window, two groups").
constexpr std::size_t kGroupMessages = 64;
constexpr std::size_t kGroupReadings = 1000;
// Acks Paho may hold unsent (mqtt/session.h): a turn publishes up to kGroupMessages at once and
// the broker takes ~20 at a time; at Paho's default 100 a burst failed some (a hub re-sends
// what it is not acked: duplicates, not losses, but the re-sends cost the fleet).
constexpr std::size_t kAcksBuffered = 1000;
// After this many short connections in a row the MQTT client is replaced (mqtt/session.h), as
// the hub's uplink does: the partitions test of 2026-12-07 left the ingest disconnected by
// mosquitto "due to malformed packet" about a second after every CONNACK, for minutes, while
// Paho re-sent the acks it held (docs/reliability.md). A fresh client holds no acks; the hubs
// re-send what was not acked and the store answers "duplicate" (invariant 2).
#ifdef KOTONA_BROKEN_NO_CLIENT_RENEWAL
constexpr int kRenewClientAfter = 0;  // NEGATIVE CONTROL ONLY (-DKOTONA_BROKEN=no_client_renewal)
#else
constexpr int kRenewClientAfter = 3;
#endif

HubTime now_ms() {
  return std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now());
}

mqtt_link::SessionOptions session_options(const IngestOptions& opt) {
  std::vector<mqtt_link::Subscription> subs;
  for (auto& filter : mqtt_link::ingest_filters(opt.share_group)) {
    subs.push_back({std::move(filter), 1, true});
  }
  subs.push_back({std::string(mqtt_link::kBrokerDroppedTopic), 0, false});
  return {.uri = opt.mqtt_uri,
          .client_id = opt.client_id,
          .log_name = std::string(kLog),
          .session_expiry = std::chrono::hours(7 * 24),
          .reconnect_min = opt.reconnect_min,
          .reconnect_max = opt.reconnect_max,
          .subscriptions = std::move(subs),
          .renew_client_after = kRenewClientAfter,
          .tls_ca = opt.tls_ca,
          .tls_cert = opt.tls_cert,
          .tls_key = opt.tls_key,
          .messages_per_turn = kGroupMessages,
          .max_buffered_messages = kAcksBuffered};
}

}  // namespace

// Route, decode, store, ack: the MQTT session (mqtt/session.h) owns connecting, subscribing,
// reconnecting and liveness, and hands over one message per io_context turn.
class Ingest::Impl {
 public:
  Impl(asio::io_context& io, IngestOptions options, store::Store& store, Counters& counters,
       AlertSink sink)
      : opt_(std::move(options)),
        store_(store),
        counters_(counters),
        sink_(std::move(sink)),
        status_timer_(io),
        session_(io, session_options(opt_), events(), counters) {}

  void start() { session_.start(); }
  void stop() {
    status_timer_.cancel();
    flush_statuses();
    flush_group();
    session_.stop();
  }
  void on_message(const std::string& topic, const std::string& payload);
  // Stores the batches received this turn in one transaction, then acks each (group commit).
  void flush_group();
  bool subscribed() const { return session_.is_up(); }
  void set_store_result_sink(StoreResultSink sink) { store_result_ = std::move(sink); }
  std::optional<HubTime> subscribed_since() const {
    return session_.is_up() ? std::optional<HubTime>(subscribed_since_) : std::nullopt;
  }

 private:
  mqtt_link::SessionEvents events() {
    return {.up =
                [this] {
                  subscribed_since_ = now_ms();
                  log_info(kLog, "ingest subscribed");
                },
            .down = {},
            .message = [this](const std::string& t, const std::string& p) { on_message(t, p); },
            .published = [this](std::uint64_t, bool accepted, int reason,
                                const std::string&) { on_ack_published(accepted, reason); },
            .optional_refused = [this](const std::string& filter,
                                       int reason) { on_sys_refused(filter, reason); },
            .turn_end = [this] { flush_group(); }};
  }
  void on_ack_published(bool accepted, int reason);
  void on_sys_refused(const std::string& filter, int reason);
  void on_broker_dropped(const std::string& payload);
  void store_result(std::string_view what, const Error* error) {
    if (store_result_) store_result_(what, error);
  }
  void on_readings(const std::string& topic, const GatewayId& gateway, const std::string& payload);
  [[nodiscard]] Result<std::vector<Result<store::BatchOutcome>>> store_group(
      const std::vector<store::GroupedBatch>& group);
  void after_commit(const store::GroupedBatch& item, const store::BatchOutcome& outcome);
  void not_stored(const store::GroupedBatch& item, const Error& error);
  void on_status(const std::string& topic, const GatewayId& gateway, const std::string& payload);
  void flush_statuses();
  void quarantine(const std::string& topic, const std::string& reason, const std::string& payload);
  void publish_ack(const GatewayId& gateway, const std::string& payload);

  IngestOptions opt_;
  store::Store& store_;
  Counters& counters_;
  AlertSink sink_;
  StoreResultSink store_result_;
  LogRepeatLimiter store_log_;  // a store that refuses writes fails every batch
  HubTime subscribed_since_{};
  // Batches decoded this turn and not yet stored (flush_group()), with their readings' count.
  std::vector<store::GroupedBatch> group_;
  std::size_t group_readings_ = 0;
  std::vector<std::chrono::steady_clock::time_point> group_handled_;  // per batch of group_
  // Heartbeats received and not yet written, the newest per hub (flush_statuses()).
  std::map<GatewayId, store::GatewayStatusRow> pending_status_;
  asio::steady_timer status_timer_;
  mqtt_link::Session session_;  // last: destroyed first, so no event outlives the members
};

// Watching the broker's drop counter is an extra: refused (e.g. by an ACL), ingest goes on.
void Ingest::Impl::on_sys_refused(const std::string& filter, int reason) {
  counters_.add("broker_sys_subscribe_refused");
  log_warn(kLog, "cannot watch " + filter + " (reason " + std::to_string(reason) +
                     "): broker drops will not raise alerts");
}

void Ingest::Impl::on_ack_published(bool accepted, int reason) {
  if (accepted) return;
  // The gateway re-sends after its ack timeout and then gets a DUPLICATE ack.
  counters_.add("mqtt_ack_publish_failed");
  log_warn(kLog, "ack publish not accepted: reason " + std::to_string(reason));
}

void Ingest::Impl::on_broker_dropped(const std::string& payload) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), value);
  if (ec != std::errc{} || end != payload.data() + payload.size()) {
    counters_.add("broker_sys_bad_payload");
    log_warn(kLog,
             "ignored non-numeric " + std::string(mqtt_link::kBrokerDroppedTopic) + " payload");
    return;
  }
  // Which alert, and keeping the value, is the store's (technical_alerts.h).
  auto drops = store_.technical_alerts().broker_dropped(value, now_ms());
  if (!drops) {
    counters_.add("store_error");
    log_error(kLog, "broker drop count not stored: " + describe(drops.error()));
    return;  // nothing kept: the next report raises it again
  }
  if (!drops->alerted) return;
  counters_.add("broker_dropped_alerts");
  log_warn(kLog, "broker reports " + std::to_string(value) + " dropped messages");
  if (!drops->raised.empty() && sink_) sink_(drops->raised);
}

void Ingest::Impl::on_message(const std::string& topic, const std::string& payload) {
  if (topic == mqtt_link::kBrokerDroppedTopic) {
    on_broker_dropped(payload);
    return;
  }
  auto route = parse_topic(topic);
  if (!route) {
    counters_.add("mqtt_bad_topic");
    log_warn(kLog,
             "quarantined: bad_topic, gateway unknown, device unknown, topic " + log_quote(topic));
    quarantine(topic, "bad_topic", payload);
    return;
  }
  if (route->kind == TopicKind::kReadings) {
    on_readings(topic, route->gateway, payload);
  } else {
    on_status(topic, route->gateway, payload);
  }
}

void Ingest::Impl::on_readings(const std::string& topic, const GatewayId& gateway,
                               const std::string& payload) {
  HubTime now = now_ms();
  auto batch = decode_batch(payload, now);
  if (!batch) {
    counters_.add("mqtt_bad_payload");
    log_warn(kLog, "quarantined: bad_payload, gateway " + log_quote(gateway.value) +
                       ", device unknown: " + log_quote(describe(batch.error())));
    quarantine(topic, "bad_payload: " + describe(batch.error()), payload);
    return;
  }
#ifdef KOTONA_BROKEN_ACK_ON_RECEIPT
  // NEGATIVE CONTROL ONLY (cmake -DKOTONA_BROKEN=ack_on_receipt): every reading acked as stored
  // before its transaction commits; a crash or a refused batch then loses acked readings.
  std::vector<store::ReadingOutcome> claimed;
  for (const auto& r : batch->readings)
    claimed.push_back({r.uid.value, store::Disposition::kStored});
  publish_ack(gateway, encode_ack(gateway, batch->batch_id, claimed));
#endif
  group_readings_ += batch->readings.size() + batch->rejected.size();
  group_.push_back({gateway, std::move(*batch), now});
  // Issue 15 (ten hubs drain slower than one): where a batch's time goes on the server, summed
  // per batch in microseconds: waiting in the inbox for the io thread, then from its handling
  // to its ack (the rest of its group decoded, the commit). Means: / batches_stored.
  counters_.add("ingest_inbox_wait_us", micros(session_.message_waited()));
  group_handled_.push_back(std::chrono::steady_clock::now());
  if (group_readings_ >= kGroupReadings) flush_group();
}

Result<std::vector<Result<store::BatchOutcome>>> Ingest::Impl::store_group(
    const std::vector<store::GroupedBatch>& group) {
  if (group.size() > 1) return store_.ledger().store_batches(group);
  // One batch (the usual case at a low rate): nothing to share, so no savepoint.
  auto one = store_.ledger().store_batch(group[0].topic_gateway, group[0].batch, group[0].received);
  if (!one) return fail(one.error());
  std::vector<Result<store::BatchOutcome>> out;
  out.push_back(std::move(one));
  return out;
}

void Ingest::Impl::flush_group() {
  if (group_.empty()) return;
  auto group = std::move(group_);
  group_.clear();
  auto handled = std::move(group_handled_);
  group_handled_.clear();
  group_readings_ = 0;
  auto outcomes = store_group(group);
  if (!outcomes) {
    // Nothing committed, so no ack: the hubs keep their rows and re-send.
    counters_.add("store_error");
    const std::string why = describe(outcomes.error());
    store_log_.log(LogLevel::kError, kLog, "batch:" + why,
                   std::to_string(group.size()) + " batch(es) not stored: " + why);
    store_result("batch", &outcomes.error());
    return;
  }
  counters_.add("ingest_commits");  // batches per commit: batches_stored / ingest_commits
  store_result("batch", nullptr);
  crash_point("server.after_commit_before_ack");
  for (std::size_t i = 0; i < group.size(); ++i) {
    auto& outcome = (*outcomes)[i];
    if (outcome) {
      after_commit(group[i], *outcome);
      if (i < handled.size()) {
        counters_.add("ingest_handled_to_ack_us",
                      micros(std::chrono::steady_clock::now() - handled[i]));
      }
    } else {
      not_stored(group[i], outcome.error());
    }
  }
}

// A batch the database refused inside the group: rolled back to its savepoint, not acked (its
// hub re-sends it); the group's other batches are committed and acked.
void Ingest::Impl::not_stored(const store::GroupedBatch& item, const Error& error) {
  counters_.add("store_error");
  const std::string why = describe(error);
  store_log_.log(LogLevel::kError, kLog, "batch:" + why,
                 "batch " + std::to_string(item.batch.batch_id) + " from " +
                     log_quote(item.topic_gateway.value) + " not stored: " + why);
  store_result("batch", &error);
}

void Ingest::Impl::after_commit(const store::GroupedBatch& item,
                                const store::BatchOutcome& outcome) {
  const GatewayId& gateway = item.topic_gateway;
  const store::Batch& batch = item.batch;
  counters_.add("batches_stored");
  if (outcome.quarantine_evicted > 0) {
    counters_.add("quarantine_evicted", static_cast<std::uint64_t>(outcome.quarantine_evicted));
  }
  for (const auto& r : outcome.readings) {
    counters_.add("readings_" + std::string(store::to_string(r.disposition)));
    if (r.disposition == store::Disposition::kConflict) {
      log_warn(kLog, "reading " + log_quote(r.reading_uid) +
                         " conflicts with a stored reading of the same id (different values "
                         "or device time): stored as " +
                         log_quote(r.stored_as) + ", flagged uid_conflict, technical alert raised");
    }
  }
  for (const auto& r : batch.rejected) {
    log_warn(kLog,
             "reading " + log_quote(r.reading_uid) + " rejected: " + log_quote(describe(r.error)));
  }
  if (auto line = quarantine_summary(gateway, batch, outcome); !line.empty()) {
    log_warn(kLog, line);
  }
#ifndef KOTONA_BROKEN_ACK_ON_RECEIPT
  publish_ack(gateway, encode_ack(gateway, batch.batch_id, outcome.readings));
#endif
  for (const auto& a : outcome.new_alerts) {
    counters_.add(a.change == "grouped" ? "alerts_grouped" : "alerts_raised");
  }
  if (!outcome.new_alerts.empty() && sink_) sink_(outcome.new_alerts);
}

void Ingest::Impl::on_status(const std::string& topic, const GatewayId& gateway,
                             const std::string& payload) {
  auto status = wire::decode_status(payload);
  if (!status || status->gateway != gateway) {
    counters_.add(status ? "mqtt_identity_mismatch" : "mqtt_bad_status");
    log_warn(kLog, std::string("quarantined: ") + (status ? "identity_mismatch" : "bad_status") +
                       ", gateway " + log_quote(gateway.value) + ", device unknown: status " +
                       (status ? "claims gateway " + log_quote(status->gateway.value)
                               : log_quote(describe(status.error()))));
    quarantine(topic, status ? "identity_mismatch" : "bad_status", payload);
    return;
  }
  counters_.add("gateway_status_received");
  pending_status_[gateway] = {gateway, now_ms(), status->outbox_depth, status_json(*status)};
  if (pending_status_.size() >= kStatusFlushRows) return flush_statuses();
  if (pending_status_.size() > 1) return;  // the timer is already armed
  status_timer_.expires_after(kStatusFlushAfter);
  status_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) flush_statuses();
  });
}

void Ingest::Impl::flush_statuses() {
  if (pending_status_.empty()) return;
  std::vector<store::GatewayStatusRow> rows;
  rows.reserve(pending_status_.size());
  for (auto& [gateway, row] : pending_status_) rows.push_back(std::move(row));
  pending_status_.clear();
  status_timer_.cancel();
  auto r = store_.technical().upsert_gateway_statuses(rows);
  if (!r) {  // the hubs' next heartbeats replace these
    counters_.add("store_error");
    store_log_.log(
        LogLevel::kError, kLog, "status:" + describe(r.error()),
        std::to_string(rows.size()) + " gateway status(es) not stored: " + describe(r.error()));
    store_result("gateway status", &r.error());
    return;
  }
  counters_.add("gateway_status_stored", rows.size());
  store_result("gateway status", nullptr);
}

void Ingest::Impl::quarantine(const std::string& topic, const std::string& reason,
                              const std::string& payload) {
  auto route = parse_topic(topic);
  auto gateway = route ? route->gateway.value : std::string();
  auto r = store_.ledger().quarantine_payload(topic, gateway, reason, payload, now_ms());
  if (!r) {
    counters_.add("store_error");
    store_log_.log(LogLevel::kError, kLog, "quarantine:" + describe(r.error()),
                   "quarantine failed: " + describe(r.error()));
    return;
  }
  if (r->evicted > 0) counters_.add("quarantine_evicted", static_cast<std::uint64_t>(r->evicted));
  if (!r->new_alerts.empty() && sink_) sink_(r->new_alerts);
}

void Ingest::Impl::publish_ack(const GatewayId& gateway, const std::string& payload) {
  if (session_.publish(mqtt_link::acks_topic(gateway), payload, 1)) {
    counters_.add("acks_sent");
  } else {
    counters_.add("mqtt_ack_publish_failed");
    log_warn(kLog, "ack to " + gateway.value + " not sent");
  }
}

Ingest::Ingest(asio::io_context& io, IngestOptions options, store::Store& store, Counters& counters,
               AlertSink sink)
    : impl_(std::make_unique<Impl>(io, std::move(options), store, counters, std::move(sink))) {}
Ingest::~Ingest() = default;
void Ingest::start() { impl_->start(); }
void Ingest::stop() { impl_->stop(); }
bool Ingest::is_subscribed() const { return impl_->subscribed(); }
void Ingest::set_store_result_sink(StoreResultSink sink) {
  impl_->set_store_result_sink(std::move(sink));
}
std::optional<HubTime> Ingest::subscribed_since() const { return impl_->subscribed_since(); }
void Ingest::handle_message_for_test(const std::string& topic, const std::string& payload) {
  impl_->on_message(topic, payload);
  impl_->flush_group();
}
void Ingest::handle_turn_for_test(
    const std::vector<std::pair<std::string, std::string>>& messages) {
  for (const auto& [topic, payload] : messages) impl_->on_message(topic, payload);
  impl_->flush_group();
}

}  // namespace kotona::server::ingest
