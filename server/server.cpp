#include "server/server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>

#include "core/counters.h"
#include "core/log.h"
#include "core/log_repeat.h"
#include "server/http/health.h"
#include "server/http/http_server.h"
#include "server/http/hub_ca.h"
#include "server/http/hub_enrolment_routes.h"
#include "server/ingest/ingest.h"
#include "server/record/sender.h"
#include "server/store/enrolment_codes.h"
#include "server/store/store.h"
#include "service/notify.h"

namespace kotona::server {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {
constexpr std::string_view kLog = "server";
constexpr auto kStopGrace = 2s;
constexpr auto kStoreProbeEvery = 1s;

HubTime wall_now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}
}  // namespace

// Member order is destruction order in reverse: the io_context outlives everything on it.
struct Server::Impl {
  explicit Impl(const ServerConfig& c)
      : config(c),
        hub(io),
        stop_timer(io),
        technical_timer(io),
        escalation_timer(io),
        probe_timer(io) {}
  ServerConfig config;
  asio::io_context io;
  Counters counters;
  std::unique_ptr<store::Store> store;
  http::SseHub hub;
  std::unique_ptr<http::Auth> auth;
  // Hub enrolment (issue 20 part 5): the CA, and the codes on a store connection of their own.
  std::unique_ptr<http::HubCa> hub_ca;  // null: not configured
  std::unique_ptr<store::Database> enrol_db;
  std::unique_ptr<store::AuditLog> enrol_audit;
  std::unique_ptr<store::EnrolmentCodes> enrolment_codes;
  std::unique_ptr<http::HttpServer> http;
  std::unique_ptr<ingest::Ingest> ingest;
  // The push to the patient record system (issue 19); null when record_endpoint is not set.
  std::unique_ptr<record::RecordSender> record;
  std::uint16_t port = 0;
  asio::steady_timer stop_timer;
  std::chrono::steady_clock::time_point stop_started;
  asio::steady_timer technical_timer;
  asio::steady_timer escalation_timer;
  // Readiness and the store's write health (issue 22): fed by the probe, ingest and the checks.
  http::Health health;
  asio::steady_timer probe_timer;
  LogRepeatLimiter store_log;
  // An outage that ended, until its store.unwritable alert is stored.
  std::optional<store::StoreOutage> ended_outage;
  bool stopping = false;

  void begin_stop();
  void schedule_technical_check();
  void check_technical();
  void sweep_quarantine(HubTime now);
  void schedule_escalation_check();
  void check_escalation();
  void poll_stopped();
  void schedule_store_probe();
  // Every store write's outcome, probe or real: readiness, the once-per-outage log line and,
  // when an outage ends, its technical alert.
  void store_write_result(std::string_view what, const Error* error);
  void raise_unwritable_alert();
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::create(const ServerConfig& config) {
  auto impl = std::make_unique<Impl>(config);
  auto store = store::Store::open(config.db_path);
  if (!store) return fail(store.error());
  impl->store = std::move(*store);
  log_info(kLog, "store: " + std::string(impl->store->backend()));
  impl->store->alert_book().set_rule_configs(config.rules);
  impl->store->alert_book().set_escalation_policy(config.escalation);
  impl->store->ledger().set_quarantine_limits(config.quarantine);
  // Readings are queued for the record system only while its push is configured (issue 19).
  impl->store->ledger().set_record_push(config.record.enabled());
  if (!config.record.enabled()) {
    log_info(kLog,
             "record push off (no record_endpoint): stored readings are not queued for "
             "the patient record system");
  }
  store::DeliveryWatch watch{config.technical, {}, {}};
  for (const auto& e : config.expectations) {
    watch.expected.push_back({e.gateway, e.serial, e.every});
  }
  for (const auto& d : config.due) watch.due.push_back({d.patient, d.kind, d.every});
  impl->store->technical_alerts().set_watch(std::move(watch));
  auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  auto api_managed = impl->store->patients().seed_enrolment(config.enrolment, now);
  if (!api_managed) return fail(api_managed.error());
  for (const auto& line : *api_managed) {
    log_warn(kLog, "config 'enrol' line for " + line.gateway.value + "/" +
                       line.device_serial.value +
                       " ignored: that device's enrolment is managed through the API");
  }
  impl->auth = std::make_unique<http::Auth>(config.auth);
  if (!impl->auth->has_users()) {
    log_warn(kLog, "no clinician users configured ('user = ...'): the API refuses every request");
  }
  if (config.sse_poll_interval.count() > 0) {
    // Other instances may write the same database: stream what the events table holds.
    impl->hub.follow(*impl->store, impl->counters, config.sse_poll_interval);
    log_info(kLog, "SSE: events table read every " +
                       std::to_string(config.sse_poll_interval.count()) + " ms (scale-out)");
  }
  http::HttpOptions http_options;
  http_options.health = &impl->health;
  http_options.public_names = config.http_public_names;
  http_options.trusted_proxies = config.http_trusted_proxies;
  http_options.login_hashing = config.login_hashing;
  http_options.max_connections = config.http_max_connections;
  http_options.max_streams = config.sse_max_streams;
  http_options.max_streams_per_user = config.sse_max_streams_per_user;
  http_options.gateway_silent_after = config.technical.gateway_silent_after;
  if (config.record.enabled()) {  // the sender is made below, before anything runs
    http_options.record_status = [p = impl.get()] { return p->record->status(); };
    http_options.record_gauges = [p = impl.get()] { return p->record->gauges(); };
  }
  if (config.hub_ca) {
    auto ca = http::HubCa::load(*config.hub_ca);
    if (!ca) return fail(ca.error());
    impl->hub_ca = std::move(*ca);
    log_info(kLog, "hub enrolment on: hubs get broker " + config.hub_ca->broker_uri);
  }
  // The codes' table even without a CA: certificates issued while there was one are still
  // valid at the broker, so GET /api/v1/hub-certificates lists them.
  auto enrol_db = store::Database::open(config.db_path);
  if (!enrol_db) return fail(enrol_db.error());
  impl->enrol_db = std::move(*enrol_db);
  impl->enrol_audit = std::make_unique<store::AuditLog>(*impl->enrol_db);
  impl->enrolment_codes =
      std::make_unique<store::EnrolmentCodes>(*impl->enrol_db, *impl->enrol_audit);
  http::set_hub_enrolment(impl->hub_ca.get(), impl->enrolment_codes.get());
  impl->http = std::make_unique<http::HttpServer>(impl->io, *impl->store, impl->counters, impl->hub,
                                                  *impl->auth, http_options);
  auto port = impl->http->listen(config.http_host, config.http_port);
  if (!port) return fail(port.error());
  impl->port = *port;
  ingest::IngestOptions options{config.mqtt_uri, config.mqtt_client_id};
  options.share_group = config.mqtt_share_group;
  options.tls_ca = config.tls_ca;
  options.tls_cert = config.tls_cert;
  options.tls_key = config.tls_key;
  auto* hub = &impl->hub;
  impl->ingest = std::make_unique<ingest::Ingest>(
      impl->io, options, *impl->store, impl->counters,
      [hub](const std::vector<store::StoredAlert>& alerts) { hub->publish(alerts); });
  auto* raw = impl.get();
  impl->ingest->set_store_result_sink(
      [raw](std::string_view what, const Error* error) { raw->store_write_result(what, error); });
  impl->health.set_ingest_check([raw] { return raw->ingest->is_subscribed(); });
  if (config.record.enabled()) {
    // Its own connection: the outbox leases are transactions of their own.
    auto db = store::Database::open(config.db_path);
    if (!db) return fail(db.error());
    auto sender = record::RecordSender::make(
        impl->io, *impl->store, std::move(*db), config.record, impl->counters,
        [hub](const std::vector<store::StoredAlert>& alerts) { hub->publish(alerts); }, wall_now);
    if (!sender) return fail(sender.error());
    impl->record = std::move(*sender);
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::uint16_t Server::http_port() const { return impl_->port; }

void Server::Impl::begin_stop() {
  log_info(kLog, "stopping");
  stopping = true;
  technical_timer.cancel();
  escalation_timer.cancel();
  probe_timer.cancel();
  ingest->stop();
  if (record) record->stop();
  http->stop();
  stop_started = std::chrono::steady_clock::now();
  poll_stopped();
}

// Lets open connections unwind on the loop, then stops it (bounded by kStopGrace).
void Server::Impl::poll_stopped() {
  if (http->open_connections() == 0 ||
      std::chrono::steady_clock::now() - stop_started > kStopGrace) {
    io.stop();
    return;
  }
  stop_timer.expires_after(20ms);
  stop_timer.async_wait([this](boost::system::error_code) { poll_stopped(); });
}

void Server::Impl::schedule_technical_check() {
  if (stopping) return;
  technical_timer.expires_after(config.technical_check_interval);
  technical_timer.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping) return;
    check_technical();
    schedule_technical_check();
  });
}

// Technical alerts (store/technical_alerts.h decides which). Skipped while the ingest is not
// subscribed: a server that cannot hear the broker cannot tell a silent hub from its own
// deafness.
void Server::Impl::check_technical() {
  auto since = ingest->subscribed_since();
  if (!since) return;
  auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  auto check = store->technical_alerts().check_chain(*since, now);
  if (check && check->unreadable) {
    counters.add("store_error");
    const auto text = describe(*check->unreadable);
    store_log.log(LogLevel::kError, kLog, "technical check: " + text, "technical check: " + text);
    return;
  }
  if (check && check->skipped > 0) counters.add("store_error", check->skipped);
  sweep_quarantine(now);
  if (!check) {
    counters.add("store_error");
    store_write_result("technical alerts not stored", &check.error());
    return;
  }
  store_write_result("technical check", nullptr);
  for (const auto& a : check->raised) {
    counters.add("technical_alerts_raised");
    // One alert per patient on the hub (each patient's clinicians see it): name the patient,
    // or the log shows the same line once per patient with nothing to tell them apart.
    log_warn(kLog, "technical alert " + a.rule_id + " for " + a.patient.value + ": " + a.message);
  }
  if (!check->raised.empty()) hub.publish(check->raised);
}

// The quarantine's age limit (issue 13): held items evicted are counted and alerted.
void Server::Impl::sweep_quarantine(HubTime now) {
  auto swept = store->ledger().enforce_quarantine_limits(now);
  if (!swept) {
    counters.add("store_error");
    log_error(kLog, "quarantine age limit: " + describe(swept.error()));
    return;
  }
  if (swept->evicted > 0) {
    counters.add("quarantine_evicted", static_cast<std::uint64_t>(swept->evicted));
  }
  if (!swept->new_alerts.empty()) hub.publish(swept->new_alerts);
}

void Server::Impl::schedule_escalation_check() {
  if (stopping) return;
  escalation_timer.expires_after(config.escalation_check_interval);
  escalation_timer.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping) return;
    check_escalation();
    schedule_escalation_check();
  });
}

// Escalation deadlines are rows (invariant 7): whatever came due while the server was down is
// escalated at the first check after start.
void Server::Impl::check_escalation() {
  auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  auto escalated = store->alert_book().escalate_due(now);
  if (!escalated) {
    counters.add("store_error");
    store_write_result("escalation check", &escalated.error());
    return;
  }
  store_write_result("escalation check", nullptr);
  for (const auto& a : *escalated) {
    counters.add("alerts_escalated");
    log_warn(kLog, "alert " + a.alert_id.value + " escalated to tier " +
                       std::to_string(a.escalation_tier) + ": not acknowledged in time");
  }
  if (!escalated->empty()) hub.publish(*escalated);
}

void Server::Impl::schedule_store_probe() {
  if (stopping) return;
  probe_timer.expires_after(kStoreProbeEvery);
  probe_timer.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping) return;
    auto r = store->probe_write(wall_now());
    store_write_result("store write probe", r ? nullptr : &r.error());
    schedule_store_probe();
  });
}

// Where the alert lives while the store refuses writes (docs/reliability.md "Server store
// refuses writes"): it cannot be stored, so the live condition is readiness (503 naming the
// error), the gauge store_writable, the counter store_outages and one ERROR line (repeats
// rate-limited with a count); the stored system alert, for admins, follows the first write
// that works again, with the outage's start, length and first error, and reaches the SSE feed.
void Server::Impl::store_write_result(std::string_view what, const Error* error) {
  const auto now = http::Health::Clock::now();
#ifdef KOTONA_BROKEN_SILENT_STORE_ERRORS
  // NEGATIVE CONTROL ONLY (cmake -DKOTONA_BROKEN=silent_store_errors): a refused write reaches
  // neither readiness nor the outage alert, the behaviour before issue 22.
  if (error != nullptr) return;
#endif
  if (error != nullptr) {
    const std::string text = describe(*error);
    if (health.write_failed(text, now, wall_now())) {
      counters.add("store_outages");
      log_error(kLog, "store refuses writes (" + std::string(what) + "): " + text +
                          ": readings are not acked, hubs keep and re-send them; not ready");
      return;
    }
    store_log.log(LogLevel::kError, kLog, std::string(what) + ": " + text,
                  std::string(what) + " failed: " + text);
    return;
  }
  health.write_ok(now);
  if (auto outage = health.take_ended_outage(now)) {
    const auto since_ms = outage->since.time_since_epoch().count();
    const auto seconds = (wall_now().time_since_epoch().count() - since_ms) / 1000;
    log_warn(kLog, "store accepts writes again after " + std::to_string(seconds) + " s (" +
                       std::to_string(outage->failures) + " failed writes)");
    ended_outage =
        store::StoreOutage{outage->since, wall_now(), outage->failures, outage->first_error};
  }
  if (ended_outage) raise_unwritable_alert();
}

void Server::Impl::raise_unwritable_alert() {
  auto stored = store->technical_alerts().store_was_unwritable(*ended_outage, wall_now());
  if (!stored) return;  // tried again after the next write that works
  ended_outage.reset();
  for (const auto& a : *stored) {
    counters.add("technical_alerts_raised");
    log_warn(kLog, "technical alert " + a.rule_id + " (system): " + a.message);
  }
  if (!stored->empty()) hub.publish(*stored);
}

int Server::run() {
  auto& impl = *impl_;
  // Under systemd (Type=notify): ready once serving, a watchdog ping from this loop.
  service::ServiceNotifier notifier(impl.io, service::notify_settings_from_env());
  asio::signal_set signals(impl.io, SIGINT, SIGTERM);
  signals.async_wait([&impl, &notifier](boost::system::error_code ec, int) {
    if (ec) return;
    notifier.stopping();
    impl.begin_stop();
  });
  impl.http->start();
  log_info(kLog, "clinician feed at http://" + impl.config.http_host + ":" +
                     std::to_string(impl.port) + "/");
  impl.ingest->start();
  if (impl.record) impl.record->start();
  // The first probe now, so readiness is known at once, then every kStoreProbeEvery.
  auto probe = impl.store->probe_write(wall_now());
  impl.store_write_result("store write probe", probe ? nullptr : &probe.error());
  impl.schedule_store_probe();
  impl.schedule_technical_check();
  impl.check_escalation();
  impl.schedule_escalation_check();
  notifier.ready("feed and ingest started");
  try {
    impl.io.run();
  } catch (const std::exception& e) {
    log_error(kLog, std::string("event loop: ") + e.what());
    return 1;
  }
  log_info(kLog, "stopped");
  return 0;
}

}  // namespace kotona::server
