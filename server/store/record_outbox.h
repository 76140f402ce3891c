// The record outbox (issue 19 part 2): while the push is on (ReadingLedger::set_record_push,
// the server's `record_endpoint`), every reading the ledger stores gets ONE row here, in the
// transaction that stores it (enqueue_for_record, called by insert_readings), so a reading
// stored while the push is on is a reading the record system will get, and a duplicate,
// quarantined or rolled-back reading is none. With the push off nothing is queued. RecordOutbox is
// what the sender (server/record/) works with: leases (several server instances: each row taken by
// exactly one), done, retry later, dead letters. Borrows a Database; not thread-safe: one owner
// thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "server/store/database.h"
#include "server/store/types.h"

namespace kotona::server::store {

// The outbox tables (record_outbox, record_dead_letter) and their index; called by
// create_schema() under the schema lock. Errors: kIo.
[[nodiscard]] Result<void> create_record_outbox_schema(Database& db);

// A reading just inserted, as its INSERT's RETURNING names it.
struct InsertedReading {
  std::int64_t seq = 0;
  std::string patient_id;
};

// One outbox row per reading in `inserted` (just inserted in the open transaction), due at
// `now`. REQUIRES: inside the transaction that inserted them. Errors: kIo.
[[nodiscard]] Result<void> enqueue_for_record(Database& db,
                                              std::span<const InsertedReading> inserted,
                                              HubTime now);

// A row taken by claim(): the reading as stored.
struct OutboxItem {
  std::int64_t seq = 0;  // readings.seq: the storage order
  StoredReading reading;
  std::int64_t attempts = 0;  // including this one
};

struct OutboxCounts {
  std::int64_t pending = 0;
  std::int64_t done = 0;
  std::int64_t dead = 0;
  std::optional<HubTime> oldest_pending;  // the oldest pending row's reading, received
};

// A row the record system rejected (4xx), as kept in record_dead_letter.
struct DeadLetter {
  std::int64_t seq = 0;
  std::string reading_uid;
  std::string patient_id;
  HubTime at{};
  int http_status = 0;
  std::string outcome_json;  // the server's OperationOutcome (or its body as sent)
};

class RecordOutbox {
 public:
  // `owner`: this server instance's name in leases (unique per instance).
  RecordOutbox(Database& db, std::string owner) : db_(db), owner_(std::move(owner)) {}
  RecordOutbox(const RecordOutbox&) = delete;
  RecordOutbox& operator=(const RecordOutbox&) = delete;

  // Leases up to `limit` due rows for `lease`, in storage order, in ONE write transaction
  // (PostgreSQL: FOR UPDATE SKIP LOCKED, and the store's write lock serialises claims across
  // instances). A row is due when pending, past its due time and not leased by a live lease,
  // and no earlier pending row of its patient waits (backoff) or is leased: a patient's
  // readings go out in storage order. A row marked solo (its batch was rejected) is taken
  // alone. Errors: kIo (nothing leased).
  [[nodiscard]] Result<std::vector<OutboxItem>> claim(HubTime now, std::chrono::milliseconds lease,
                                                      int limit);
  // The record system has them (2xx): done, whoever holds the lease now.
  [[nodiscard]] Result<void> mark_done(std::span<const std::int64_t> seqs, HubTime now);
  // Not delivered (5xx, 429, no connection): pending again, due at `due`; `solo`: each to be
  // sent alone (a batch that was rejected, to find the rejected one). Only rows this instance
  // still leases. Errors: kIo.
  [[nodiscard]] Result<void> retry_later(std::span<const std::int64_t> seqs, HubTime due,
                                         const std::string& error, bool solo = false);
  // Rejected (4xx): state dead and a record_dead_letter row with the OperationOutcome, ONE
  // transaction. Errors: kIo.
  [[nodiscard]] Result<void> dead_letter(const DeadLetter& letter);
  [[nodiscard]] Result<OutboxCounts> counts();
  // The pending rows only (through the state index; done rows are not counted): for the
  // gauges. `done` and `dead` stay 0. Errors: kIo.
  [[nodiscard]] Result<OutboxCounts> depth();
  // Newest first, at most `limit`.
  [[nodiscard]] Result<std::vector<DeadLetter>> dead_letters(int limit);
  // Deletes done rows pushed before `before`. Returns how many. Errors: kIo.
  [[nodiscard]] Result<std::int64_t> prune_done(HubTime before);
  // The push's failing episode, ONE for every instance on this store (record_push_state): when
  // the first failure since the record system last took readings was, by any instance.
  // note_failing sets it to `now` when unset and returns it (so every instance names the same
  // episode, and record.unreachable's alert id is the same); note_delivered clears it (any
  // instance got an answer). `episode` names the condition: "failing_since" (no answer), or
  // "auth_refused_since" (the token endpoint refuses us: record.auth_refused). Errors: kIo.
  [[nodiscard]] Result<HubTime> note_failing(HubTime now,
                                             const std::string& episode = "failing_since");
  [[nodiscard]] Result<void> note_delivered(const std::string& episode = "failing_since");

 private:
  Database& db_;
  std::string owner_;
};

}  // namespace kotona::server::store
