// ReadingLedger::store_batches: group commit (issue 15). Live hubs send one reading per MQTT
// message, and one transaction per message made the commit (one fsync, ~4 ms on the bench's disk)
// the server's ceiling: 390 µs of server CPU per reading at 1k readings/s, acks later than the
// hubs' ack timeout, re-sends. The batches waiting in the ingest's inbox now share one
// transaction and one fsync; the ingest acks each only after that commit (invariant 3).
//
// Why a savepoint per batch, not validation before the transaction: what can refuse one batch
// here is the database itself (a constraint, a trigger, a value the backend cannot hold), which
// no check outside it can foresee; undecodable payloads never get this far (the ingest
// quarantines them first). On PostgreSQL a failed statement also poisons the whole transaction
// until it is rolled back to a savepoint, so a savepoint is the only way to keep the others.
// It costs two statements per batch (no fsync; on PostgreSQL two round trips).
#include "server/store/reading_ledger.h"

namespace kotona::server::store {

namespace {

constexpr const char* kSavepoint = "SAVEPOINT kotona_batch";
constexpr const char* kRelease = "RELEASE SAVEPOINT kotona_batch";
constexpr const char* kRollbackTo = "ROLLBACK TO SAVEPOINT kotona_batch";

}  // namespace

Result<std::vector<Result<BatchOutcome>>> ReadingLedger::store_batches(
    std::span<const GroupedBatch> group) {
  std::vector<Result<BatchOutcome>> outcomes;
  outcomes.reserve(group.size());
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  ThresholdBook::VersionPin pin(alert_book_.thresholds());  // one version read per transaction
  for (const auto& item : group) {
#ifdef KOTONA_BROKEN_GROUP_ALL_OR_NOTHING
    // NEGATIVE CONTROL ONLY (cmake -DKOTONA_BROKEN=group_all_or_nothing): no savepoint, so one
    // refused batch fails the whole group and every other batch in it goes unstored, unacked.
    auto outcome = store_batch_in_transaction(item.topic_gateway, item.batch, item.received);
    if (!outcome) return fail(outcome.error());
#else
    if (auto r = db_.exec(kSavepoint); !r) return fail(r.error());
    auto outcome = store_batch_in_transaction(item.topic_gateway, item.batch, item.received);
    if (!outcome) {
      // Only this batch's statements are undone; a failed rollback (the connection is gone)
      // leaves nothing to keep, and the whole group fails unacked.
      if (auto r = db_.exec(kRollbackTo); !r) return fail(r.error());
    }
    if (auto r = db_.exec(kRelease); !r) return fail(r.error());
#endif
    outcomes.push_back(std::move(outcome));
  }
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return outcomes;
}

}  // namespace kotona::server::store
