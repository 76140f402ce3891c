#include "server/record/sender.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <map>

#include "core/log.h"
#include "server/record/transaction_bundle.h"
#include "server/store/json_text.h"

namespace kotona::server::record {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kLog = "record";
constexpr auto kPruneEvery = std::chrono::hours(1);
constexpr const char* kAuthEpisode = "auth_refused_since";  // record_push_state row

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }

std::vector<std::int64_t> seqs_of(const std::vector<store::OutboxItem>& items) {
  std::vector<std::int64_t> seqs;
  for (const auto& item : items) seqs.push_back(item.seq);
  return seqs;
}

// Worth sending again: the record system is down, overloaded or refuses us (credentials),
// which is no fault of the reading.
bool retryable(int status) {
  return status == 0 || status >= 500 || status == 429 || status == 408 || status == 401 ||
         status == 403;
}

// The answer's OperationOutcome as the dead letter keeps it: the body when it is JSON, else an
// OperationOutcome of our own naming the status and the body's start.
std::string outcome_of(int status, const std::string& body) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(body, ec);
  if (!ec && parsed.is_object()) return body;
  return store::to_json_text(fhir::make_operation_outcome(
      "invalid", "HTTP " + std::to_string(status) + ": " + body.substr(0, 500)));
}

}  // namespace

Result<std::unique_ptr<RecordSender>> RecordSender::make(asio::io_context& io, store::Store& store,
                                                         std::unique_ptr<store::Database> db,
                                                         RecordConfig config, Counters& counters,
                                                         AlertSink alerts, Clock clock) {
  auto poster = Poster::make(io, config);
  if (!poster) return fail(poster.error());
  std::unique_ptr<Poster> token_poster;
  std::unique_ptr<JwtSigner> signer;
  if (config.oauth()) {
    auto made = Poster::make(io, config, config.token_endpoint);
    if (!made) return fail(made.error());
    token_poster = std::move(*made);
    auto loaded = JwtSigner::load(config.jwt_key, config.jwt_kid);
    if (!loaded) return fail(loaded.error());
    signer = std::move(*loaded);
  }
  auto sender = std::unique_ptr<RecordSender>(
      new RecordSender(io, store, std::move(db), std::move(config), counters, std::move(alerts),
                       std::move(clock), std::move(*poster)));
  sender->token_poster_ = std::move(token_poster);
  sender->signer_ = std::move(signer);
  return sender;
}

RecordSender::RecordSender(asio::io_context& io, store::Store& store,
                           std::unique_ptr<store::Database> db, RecordConfig config,
                           Counters& counters, AlertSink alerts, Clock clock,
                           std::unique_ptr<Poster> poster)
    : io_(io),
      store_(store),
      db_(std::move(db)),
      outbox_(*db_, config.instance),
      config_(std::move(config)),
      counters_(counters),
      alerts_(std::move(alerts)),
      clock_(std::move(clock)),
      poster_(std::move(poster)),
      timer_(io),
      random_(std::random_device{}()) {}

RecordSender::~RecordSender() = default;

void RecordSender::start() {
  stopped_ = false;
  log_info(kLog, "pushing readings to the record system at " + config_.endpoint + " as " +
                     config_.instance +
                     (signer_ ? ", OAuth2 client " + config_.client_id + " (" + signer_->alg() +
                                    ") at " + config_.token_endpoint
                              : std::string()));
  schedule(0ms);
}

void RecordSender::stop() {
  stopped_ = true;
  timer_.cancel();
}

void RecordSender::schedule(std::chrono::milliseconds after) {
  if (stopped_) return;
  timer_.expires_after(after);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    tick();
  });
}

void RecordSender::store_failed(const std::string& what, const Error& error) {
  counters_.add("store_error");
  log_error(kLog, what + ": " + describe(error));
}

void RecordSender::tick() {
  if (in_flight_) return;
  const auto now = clock_();
  if (now - last_prune_ >= kPruneEvery) {
    last_prune_ = now;
    auto pruned = outbox_.prune_done(now - config_.keep_done);
    if (!pruned) store_failed("record outbox prune", pruned.error());
  }
  auto items = outbox_.claim(now, config_.lease, config_.batch_max);
  if (!items) {
    store_failed("record outbox claim", items.error());
    return schedule(config_.poll);
  }
  if (failing_since_ && !raised_episode_ && now - *failing_since_ >= config_.unreachable_after) {
    failing(last_failure_);  // no row was due, but the condition stands
  }
  if (items->empty()) return schedule(config_.poll);
  send(std::move(*items));
}

void RecordSender::send(std::vector<store::OutboxItem> items) {
  // One export request per patient, rows in storage order, patients in order of first row.
  std::vector<fhir::ExportRequest> patients;
  std::map<std::string, std::size_t> index;
  for (const auto& item : items) {
    const auto& patient = item.reading.patient;
    auto [it, added] = index.try_emplace(patient.value, patients.size());
    if (added) {
      fhir::ExportRequest request{patient, {}, std::nullopt};
      auto registered = store_.patients().patient_record(patient);
      if (!registered) {
        store_failed("record push: patient register", registered.error());
        return retry(items, "patient register unreadable", std::nullopt);
      }
      if (*registered) {
        request.henkilotunnus = (*registered)->henkilotunnus;
        request.display_name = (*registered)->display_name;
        if ((*registered)->language == "sv") request.language = fhir::NarrativeLanguage::kSwedish;
      }
      patients.push_back(std::move(request));
    }
    patients[it->second].readings.push_back(item.reading);
  }
  auto bundle = make_transaction_bundle(patients, config_.conditional_create);
  if (!bundle) {
    // A stored reading that cannot be exported (a bug, or data from an older version):
    // find it by sending alone, then it is dead-lettered with our own OperationOutcome.
    if (items.size() > 1) {
      if (auto r = outbox_.retry_later(seqs_of(items), clock_(), describe(bundle.error()), true);
          !r) {
        store_failed("record outbox retry", r.error());
      }
      return schedule(0ms);
    }
    reject(items.front(), 0,
           store::to_json_text(fhir::make_operation_outcome("invalid", describe(bundle.error()))));
    return schedule(0ms);
  }
  // Readings FHIR leaves out (control-solution results): nothing to push, done.
  if (!bundle->excluded.empty()) {
    std::vector<std::int64_t> excluded;
    std::vector<store::OutboxItem> rest;
    for (auto& item : items) {
      const bool out = std::find(bundle->excluded.begin(), bundle->excluded.end(),
                                 item.reading.uid.value) != bundle->excluded.end();
      if (out) {
        excluded.push_back(item.seq);
      } else {
        rest.push_back(std::move(item));
      }
    }
    if (auto r = outbox_.mark_done(excluded, clock_()); !r) {
      store_failed("record outbox done", r.error());
    }
    counters_.add("record_excluded", excluded.size());
    items = std::move(rest);
    if (items.empty()) return schedule(0ms);
  }
  post_bundle(std::move(items), std::move(bundle->text), std::move(bundle->observations), true);
}

void RecordSender::post_bundle(std::vector<store::OutboxItem> items, std::string text,
                               std::vector<std::string> uids, bool may_reauth) {
  if (signer_ && (!token_ || std::chrono::steady_clock::now() >= token_until_)) {
    return fetch_token(std::move(items), std::move(text), std::move(uids), may_reauth);
  }
  in_flight_ = true;
  counters_.add("record_requests");
  PostHeaders headers;
  if (token_) headers.authorization = "Bearer " + *token_;
  // Kept for one resend with a new token after a 401 (OAuth2 only).
  std::string again = signer_ && may_reauth ? text : std::string();
  poster_->post(
      std::move(text),
      [this, alive = std::weak_ptr<bool>(alive_), items = std::move(items), uids = std::move(uids),
       again = std::move(again), may_reauth](PostAnswer answer) mutable {
        if (alive.expired()) return;  // the sender is gone
        in_flight_ = false;
        if (answer.status == 401 && signer_ && may_reauth) {
          // The token was revoked or expired early: one new token, one more try.
          counters_.add("record_token_rejected");
          token_.reset();
          return post_bundle(std::move(items), std::move(again), std::move(uids), false);
        }
        answered(items, uids, answer);
      },
      headers);
}

void RecordSender::fetch_token(std::vector<store::OutboxItem> items, std::string text,
                               std::vector<std::string> uids, bool may_reauth) {
  auto assertion = signer_->sign(assertion_claims(config_.client_id, config_.token_endpoint,
                                                  std::chrono::system_clock::now()));
  if (!assertion) {
    store_failed("record token assertion", assertion.error());
    return retry(items, "cannot sign the token assertion", std::nullopt);
  }
  in_flight_ = true;
  counters_.add("record_token_requests");
  PostHeaders headers{"application/x-www-form-urlencoded", "application/json", ""};
  token_poster_->post(
      token_request_body(*assertion, config_.scope),
      [this, alive = std::weak_ptr<bool>(alive_), items = std::move(items), text = std::move(text),
       uids = std::move(uids), may_reauth](PostAnswer answer) mutable {
        if (alive.expired()) return;
        in_flight_ = false;
        if (answer.status == 200) {
          auto token = parse_token_answer(answer.body);
          if (token) {
            token_ = std::move(token->access_token);
            token_until_ = std::chrono::steady_clock::now() + token_use_for(token->expires_in);
            counters_.add("record_tokens");
            if (refused_since_) {
              log_info(kLog, "the token endpoint grants tokens again");
              // Ends the refusal episode for every instance on the store.
              if (auto r = outbox_.note_delivered(kAuthEpisode); !r) {
                store_failed("record push state", r.error());
              }
            }
            refused_since_.reset();
            raised_refusal_.reset();
            return post_bundle(std::move(items), std::move(text), std::move(uids), may_reauth);
          }
          counters_.add("record_token_errors");
          return retry(items, "token endpoint: " + describe(token.error()), std::nullopt);
        }
        if (answer.status == 400 || answer.status == 401) {
          token_refused(answer.status, token_refusal_text(answer.body));
          return retry(items, "token endpoint refused: " + last_refusal_, std::nullopt);
        }
        counters_.add("record_token_errors");
        const std::string why = answer.status == 0
                                    ? "token endpoint: " + answer.error
                                    : "token endpoint: HTTP " + std::to_string(answer.status);
        retry(items, why, answer.retry_after);
      },
      headers);
}

void RecordSender::token_refused(int status, const std::string& why) {
  const auto now = clock_();
  counters_.add("record_token_refused");
  last_refusal_ = "HTTP " + std::to_string(status) + " " + why;
  if (!refused_since_) refused_since_ = now;
  log_error(kLog, "the token endpoint " + config_.token_endpoint + " refuses client " +
                      config_.client_id + ": " + last_refusal_ +
                      " (check record_client_id, record_jwt_key, record_jwt_kid)");
  // The episode every instance on the store names (as record.unreachable's): the first refusal
  // since any instance was last granted a token, so the alert is raised once, not per instance.
  auto since = outbox_.note_failing(now, kAuthEpisode);
  if (!since) return store_failed("record push state", since.error());
  if (raised_refusal_ == *since) return;
  alerts::TechnicalDraft draft{
      std::string(kRecordAuthRefusedRule),
      alerts::Priority::kHigh,
      "record",
      PatientId{""},
      std::to_string(ms(*since)),
      "The patient record system's token endpoint " + config_.token_endpoint +
          " refuses this server (client " + config_.client_id + "): " + last_refusal_ +
          "; no readings are sent until it grants a token (check record_client_id, "
          "record_jwt_key, record_jwt_kid and the key registered there)",
      {{"status", static_cast<double>(status)}},
      {{"endpoint", config_.token_endpoint},
       {"client", config_.client_id},
       {"status", static_cast<double>(status)},
       {"error", why}}};
  if (raise({draft})) raised_refusal_ = *since;  // else tried again on the next refusal
}

void RecordSender::answered(const std::vector<store::OutboxItem>& items,
                            const std::vector<std::string>& in_bundle, const PostAnswer& answer) {
  const auto now = clock_();
  const auto seqs = seqs_of(items);
  if (answer.status >= 200 && answer.status < 300) {
    if (auto r = outbox_.mark_done(seqs, now); !r) {
      // The record system has them; the lease expires and they are sent again, which the
      // conditional create makes harmless.
      store_failed("record outbox done", r.error());
    }
    counters_.add("record_observations_pushed", in_bundle.size());
    if (failing_since_) {
      log_info(kLog, "the record system takes readings again (failing since " +
                         std::to_string(ms(*failing_since_)) + ")");
    }
    reachable();
    return schedule(0ms);
  }
  if (retryable(answer.status)) {
    const std::string why =
        answer.status == 0 ? answer.error : "HTTP " + std::to_string(answer.status);
    return retry(items, why, answer.retry_after);
  }
  // Rejected: reachable, so not failing; find the rejected reading by sending each alone.
  reachable();
  if (items.size() > 1) {
    counters_.add("record_batches_split");
    if (auto r = outbox_.retry_later(seqs, now, "HTTP " + std::to_string(answer.status), true);
        !r) {
      store_failed("record outbox retry", r.error());
    }
    return schedule(0ms);
  }
  reject(items.front(), answer.status, outcome_of(answer.status, answer.body));
  schedule(0ms);
}

void RecordSender::retry(const std::vector<store::OutboxItem>& items, const std::string& why,
                         std::optional<std::chrono::seconds> retry_after) {
  const auto now = clock_();
  std::int64_t attempts = 1;
  for (const auto& item : items) attempts = std::max(attempts, item.attempts);
  // Exponential from backoff_min, capped at backoff_max, then jitter: a uniform draw in
  // [half, all] of it, so instances that failed together do not return together.
  auto delay = config_.backoff_min;
  for (std::int64_t i = 1; i < attempts && delay < config_.backoff_max; ++i) delay *= 2;
  delay =
      std::min(delay, std::chrono::duration_cast<std::chrono::milliseconds>(config_.backoff_max));
  std::uniform_int_distribution<std::int64_t> jitter(delay.count() / 2, delay.count());
  delay = std::chrono::milliseconds(jitter(random_));
  if (retry_after) delay = std::max(delay, std::chrono::milliseconds(*retry_after));
  counters_.add("record_retries");
  if (auto r = outbox_.retry_later(seqs_of(items), now + delay, why); !r) {
    store_failed("record outbox retry", r.error());
  }
  failing(why);
  schedule(config_.poll);
}

void RecordSender::reachable() {
  failing_since_.reset();
  raised_episode_.reset();
  // Ends the episode for every instance: a later failure starts a new one.
  if (auto r = outbox_.note_delivered(); !r) store_failed("record push state", r.error());
}

void RecordSender::failing(const std::string& why) {
  const auto now = clock_();
  last_failure_ = why;
  if (!failing_since_) {
    failing_since_ = now;
    log_warn(kLog, "the record system does not take readings: " + why + "; retrying");
  }
  // The episode every instance on the store names: the first failure since any instance was
  // last answered. Its alert id is the same in every instance, so it is raised once.
  auto since = outbox_.note_failing(now);
  if (!since) return store_failed("record push state", since.error());
  if (raised_episode_ == *since || now - *since < config_.unreachable_after) return;
  auto counts = outbox_.depth();
  const std::int64_t waiting = counts ? counts->pending : -1;
  const auto seconds = static_cast<double>((ms(now) - ms(*since)) / 1000);
  alerts::TechnicalDraft draft{
      std::string(kRecordUnreachableRule),
      alerts::Priority::kHigh,
      "record",
      PatientId{""},
      std::to_string(ms(*since)),
      "The patient record system at " + config_.endpoint + " has taken no readings for " +
          std::to_string(static_cast<std::int64_t>(seconds)) + " s (last: " + why + "); " +
          std::to_string(waiting) +
          " readings wait in the record outbox and are sent when it answers",
      {{"seconds", seconds}},
      {{"seconds_s", seconds},
       {"endpoint", config_.endpoint},
       {"error", why},
       {"count", static_cast<double>(waiting)}}};
  if (raise({draft})) raised_episode_ = *since;  // else tried again on the next failure
}

void RecordSender::reject(const store::OutboxItem& item, int status, const std::string& outcome) {
  const auto now = clock_();
  store::DeadLetter letter{
      item.seq, item.reading.uid.value, item.reading.patient.value, now, status, outcome};
  if (auto r = outbox_.dead_letter(letter); !r) {
    store_failed("record dead letter", r.error());
    return;  // the lease expires and it is sent again
  }
  counters_.add("record_dead_letters");
  log_warn(kLog, "the record system rejected reading " + item.reading.uid.value + " (HTTP " +
                     std::to_string(status) + "): kept in record_dead_letter");
  alerts::TechnicalDraft draft{std::string(kRecordRejectedRule),
                               alerts::Priority::kMedium,
                               "record",
                               PatientId{""},
                               item.reading.uid.value,
                               "The patient record system rejected reading " +
                                   item.reading.uid.value + " of patient " +
                                   item.reading.patient.value + " (HTTP " + std::to_string(status) +
                                   "); it is kept in the record dead letters with the answer",
                               {{"status", static_cast<double>(status)}},
                               {{"reading", item.reading.uid.value},
                                {"patient", item.reading.patient.value},
                                {"status", static_cast<double>(status)}}};
  raise({draft});
}

bool RecordSender::raise(const std::vector<alerts::TechnicalDraft>& drafts) {
  auto stored = store_.alert_book().insert_technical_alerts(drafts, clock_());
  if (!stored) {
    store_failed("record alert", stored.error());
    return false;
  }
  for (const auto& a : *stored) {
    counters_.add("technical_alerts_raised");
    log_warn(kLog, "technical alert " + a.rule_id + " (system): " + a.message);
  }
  if (!stored->empty() && alerts_) alerts_(*stored);
  return true;
}

}  // namespace kotona::server::record

namespace kotona::server::record {

Result<std::map<std::string, std::uint64_t>> RecordSender::gauges() {
  auto depth = outbox_.depth();
  if (!depth) return fail(depth.error());
  std::int64_t age_ms = 0;
  if (depth->oldest_pending)
    age_ms = std::max<std::int64_t>(0, ms(clock_()) - ms(*depth->oldest_pending));
  return std::map<std::string, std::uint64_t>{
      {"record_outbox_pending", static_cast<std::uint64_t>(depth->pending)},
      {"record_outbox_oldest_age_seconds", static_cast<std::uint64_t>(age_ms / 1000)}};
}

Result<boost::json::object> RecordSender::status() {
  namespace json = boost::json;
  auto counts = outbox_.counts();
  if (!counts) return fail(counts.error());
  auto letters = outbox_.dead_letters(50);
  if (!letters) return fail(letters.error());
  json::object outbox{{"pending", counts->pending}, {"done", counts->done}, {"dead", counts->dead}};
  outbox["oldest_pending_received_unix_ms"] =
      counts->oldest_pending ? json::value(ms(*counts->oldest_pending)) : json::value(nullptr);
  json::array dead;
  for (const auto& l : *letters) {
    boost::system::error_code ec;
    auto outcome = json::parse(l.outcome_json, ec);
    dead.push_back(json::object{{"reading_uid", l.reading_uid},
                                {"patient_id", l.patient_id},
                                {"at_unix_ms", ms(l.at)},
                                {"http_status", l.http_status},
                                {"operation_outcome", ec ? json::value(l.outcome_json) : outcome}});
  }
  return json::object{
      {"endpoint", config_.endpoint},
      {"instance", config_.instance},
      {"outbox", std::move(outbox)},
      {"failing_since_unix_ms",
       failing_since_ ? json::value(ms(*failing_since_)) : json::value(nullptr)},
      {"last_failure", failing_since_ ? json::value(last_failure_) : json::value(nullptr)},
      {"dead_letters", std::move(dead)},
      {"oauth",
       signer_ ? json::value(json::object{
                     {"token_endpoint", config_.token_endpoint},
                     {"client_id", config_.client_id},
                     {"alg", signer_->alg()},
                     {"token_held", token_.has_value()},
                     {"refused_since_unix_ms",
                      refused_since_ ? json::value(ms(*refused_since_)) : json::value(nullptr)},
                     {"last_refusal",
                      refused_since_ ? json::value(last_refusal_) : json::value(nullptr)}})
               : json::value(nullptr)}};
}

}  // namespace kotona::server::record
