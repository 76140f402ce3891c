// ReadingLedger::store_batches: group commit (issue 15). Live hubs send one reading per MQTT
// message, and one transaction per message made the commit (one fsync, ~4 ms on the bench's disk)
// the server's ceiling: 390 µs of server CPU per reading at 1k readings/s, acks later than the
// hubs' ack timeout, re-sends. The batches waiting in the ingest's inbox now share one
// transaction and one fsync; the ingest acks each only after that commit (invariant 3).
//
// What can refuse one batch here is the database itself (a constraint, a trigger, a value the
// backend cannot hold), which no check outside it can foresee; undecodable payloads never get
// this far (the ingest quarantines them first). On PostgreSQL a failed statement also poisons
// the whole transaction until it is rolled back to a savepoint, so keeping the others needs a
// savepoint per batch: two statements a batch, on PostgreSQL two round trips, ~10 % of a
// drain's time there (issue 15). So the group is first stored without them; only when a
// batch fails is that attempt rolled back whole and the group stored again with a savepoint
// per batch, so the refused batch alone goes unacked. Nothing is committed by the first
// attempt, and storing has no effect outside the transaction (the ledger, alert book and
// registers keep no state of their own), so the second attempt starts from the same state.
#include "server/store/reading_ledger.h"

namespace kotona::server::store {

namespace {

constexpr const char* kSavepoint = "SAVEPOINT kotona_batch";
constexpr const char* kRelease = "RELEASE SAVEPOINT kotona_batch";
constexpr const char* kRollbackTo = "ROLLBACK TO SAVEPOINT kotona_batch";

}  // namespace

namespace {

// Sets the ledger's group binding cache for one group transaction, and clears it.
class GroupBindings {
 public:
  using Map = std::map<std::string, std::vector<EnrolmentRecord>>;
  explicit GroupBindings(Map*& slot) : slot_(slot) { slot_ = &map_; }
  ~GroupBindings() { slot_ = nullptr; }
  GroupBindings(const GroupBindings&) = delete;
  GroupBindings& operator=(const GroupBindings&) = delete;

 private:
  Map*& slot_;
  Map map_;
};

}  // namespace

Result<std::vector<Result<BatchOutcome>>> ReadingLedger::store_batches(
    std::span<const GroupedBatch> group) {
  GroupBindings bindings(group_bindings_);  // reads only: valid across both attempts
  {                                         // the whole group at once: every batch stored, or none
    std::vector<Result<BatchOutcome>> outcomes;
    outcomes.reserve(group.size());
    Transaction transaction(db_);
    if (auto r = transaction.begin(); !r) return fail(r.error());
    ThresholdBook::VersionPin pin(alert_book_.thresholds());  // one version read per transaction
    bool refused = false;
    for (const auto& item : group) {
      auto outcome = store_batch_in_transaction(item.topic_gateway, item.batch, item.received);
      if (!outcome) {
#ifdef KOTONA_BROKEN_GROUP_ALL_OR_NOTHING
        // NEGATIVE CONTROL ONLY (cmake -DKOTONA_BROKEN=group_all_or_nothing): no second
        // attempt, so one refused batch fails the whole group and every other batch in it
        // goes unstored, unacked.
        return fail(outcome.error());
#endif
        refused = true;
        break;
      }
      outcomes.push_back(std::move(outcome));
    }
    if (!refused) {
      if (auto r = transaction.commit(); !r) return fail(r.error());
      return outcomes;
    }
  }  // rolled back (Transaction's destructor)
  return store_batches_one_by_one(group);
}

// The second attempt: a savepoint per batch, so a refused batch is undone alone.
Result<std::vector<Result<BatchOutcome>>> ReadingLedger::store_batches_one_by_one(
    std::span<const GroupedBatch> group) {
  std::vector<Result<BatchOutcome>> outcomes;
  outcomes.reserve(group.size());
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  ThresholdBook::VersionPin pin(alert_book_.thresholds());
  for (const auto& item : group) {
    if (auto r = db_.exec(kSavepoint); !r) return fail(r.error());
    auto outcome = store_batch_in_transaction(item.topic_gateway, item.batch, item.received);
    if (!outcome) {
      // Only this batch's statements are undone; a failed rollback (the connection is gone)
      // leaves nothing to keep, and the whole group fails unacked.
      if (auto r = db_.exec(kRollbackTo); !r) return fail(r.error());
    }
    if (auto r = db_.exec(kRelease); !r) return fail(r.error());
    outcomes.push_back(std::move(outcome));
  }
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return outcomes;
}

}  // namespace kotona::server::store
