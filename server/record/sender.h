// RecordSender: pushes the record outbox to the patient record system (issue 19 part 2,
// docs/contracts.md "Push to the record system"). On the server's io thread: every poll it
// leases due outbox rows (store/record_outbox.h: storage order per patient, one instance per
// row), POSTs them as ONE transaction Bundle with conditional creates (transaction_bundle.h)
// and marks them done only after a 2xx. 5xx, 429, 408, 401/403 and no answer: retried with
// exponential backoff and jitter (a 429's Retry-After respected); after unreachable_after
// without success by any instance, record.unreachable (high, admins): ONE alert across
// instances (the episode is kept in the store). Another 4xx: a batch is retried one
// reading at a time; a reading rejected alone goes to record_dead_letter with the answer's
// OperationOutcome and raises record.rejected (medium, admins). With record_token_endpoint
// (oauth.h, SMART Backend Services) every request carries an access token, fetched with a
// signed JWT assertion and kept until shortly before it expires; a 401 answer fetches a new
// one once; a token endpoint that refuses (400/401) raises record.auth_refused (high,
// admins) and the rows wait with backoff. Not thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/counters.h"
#include "core/result.h"
#include "server/record/http_post.h"
#include "server/record/oauth.h"
#include "server/record/record_config.h"
#include "server/store/record_outbox.h"
#include "server/store/store.h"

namespace kotona::server::record {

// System alerts (no patient: admins) this component raises.
inline constexpr std::string_view kRecordUnreachableRule = "record.unreachable";
inline constexpr std::string_view kRecordRejectedRule = "record.rejected";
inline constexpr std::string_view kRecordAuthRefusedRule = "record.auth_refused";

class RecordSender {
 public:
  using Clock = std::function<HubTime()>;
  using AlertSink = std::function<void(const std::vector<store::StoredAlert>&)>;
  // `db`: the sender's own connection to the store's database (outbox leases; SQLite: the
  // store's single writer lock is shared through the file). `store`: the patient register and
  // alerts. `alerts`: every alert raised, after it is stored (the server publishes them).
  // Errors: kConfig (TLS files, record_jwt_key).
  [[nodiscard]] static Result<std::unique_ptr<RecordSender>> make(
      boost::asio::io_context& io, store::Store& store, std::unique_ptr<store::Database> db,
      RecordConfig config, Counters& counters, AlertSink alerts, Clock clock);
  // A request still out is answered into nothing (its rows' leases expire).
  ~RecordSender();
  RecordSender(const RecordSender&) = delete;
  RecordSender& operator=(const RecordSender&) = delete;

  void start();
  // No new request; one in flight is left to finish or time out (its rows' leases expire).
  void stop();
  // True while a request is out.
  bool in_flight() const { return in_flight_; }
  // For GET /api/v1/record (admins): {"endpoint", "instance", "outbox": {"pending", "done",
  // "dead", "oldest_pending_received_unix_ms"}, "failing_since_unix_ms", "last_failure",
  // "dead_letters": [{"reading_uid", "patient_id", "at_unix_ms", "http_status",
  // "operation_outcome"}] (newest 50)}. Errors: kIo.
  [[nodiscard]] Result<boost::json::object> status();
  // For /metrics: record_outbox_pending (rows waiting to be sent, every instance's) and
  // record_outbox_oldest_age_seconds (how long ago the oldest of them was received; 0 when
  // none). Errors: kIo.
  [[nodiscard]] Result<std::map<std::string, std::uint64_t>> gauges();

 private:
  RecordSender(boost::asio::io_context& io, store::Store& store,
               std::unique_ptr<store::Database> db, RecordConfig config, Counters& counters,
               AlertSink alerts, Clock clock, std::unique_ptr<Poster> poster);
  void schedule(std::chrono::milliseconds after);
  void tick();
  void send(std::vector<store::OutboxItem> items);
  // POSTs the Bundle with the access token (fetched first when none is valid); a 401 with
  // `may_reauth` drops the token and sends once more with a new one.
  void post_bundle(std::vector<store::OutboxItem> items, std::string text,
                   std::vector<std::string> uids, bool may_reauth);
  void fetch_token(std::vector<store::OutboxItem> items, std::string text,
                   std::vector<std::string> uids, bool may_reauth);
  void token_refused(int status, const std::string& why);
  void answered(const std::vector<store::OutboxItem>& items,
                const std::vector<std::string>& in_bundle, const PostAnswer& answer);
  void retry(const std::vector<store::OutboxItem>& items, const std::string& why,
             std::optional<std::chrono::seconds> retry_after);
  void reject(const store::OutboxItem& item, int status, const std::string& outcome);
  void failing(const std::string& why);
  // The record system answered: this instance's and the shared failing episode end.
  void reachable();
  // Stores and publishes them; false when the store refused (logged, counted).
  bool raise(const std::vector<alerts::TechnicalDraft>& drafts);
  void store_failed(const std::string& what, const Error& error);

  boost::asio::io_context& io_;
  store::Store& store_;
  std::unique_ptr<store::Database> db_;
  store::RecordOutbox outbox_;
  RecordConfig config_;
  Counters& counters_;
  AlertSink alerts_;
  Clock clock_;
  std::unique_ptr<Poster> poster_;
  // OAuth2 (record_token_endpoint set): the token endpoint's poster, the assertion's key, the
  // access token and until when it is used; since when the token endpoint refuses us.
  std::unique_ptr<Poster> token_poster_;
  std::unique_ptr<JwtSigner> signer_;
  std::optional<std::string> token_;
  std::chrono::steady_clock::time_point token_until_{};
  std::optional<HubTime> refused_since_;
  std::string last_refusal_;
  std::optional<HubTime> raised_refusal_;  // the shared refusal episode whose alert it raised
  boost::asio::steady_timer timer_;
  std::mt19937_64 random_;
  bool stopped_ = true;
  bool in_flight_ = false;
  // Since when this instance delivered nothing (no answer, 5xx, 429, 401/403), and the
  // shared episode (RecordOutbox::note_failing) whose record.unreachable it raised.
  std::optional<HubTime> failing_since_;
  std::string last_failure_;
  std::optional<HubTime> raised_episode_;
  HubTime last_prune_{};
  // Expires with this sender: an answer arriving after it is ignored.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kotona::server::record
