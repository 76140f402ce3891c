// Outbox: the gateway's durable queue of encoded readings (SQLite, WAL, synchronous=FULL).
// A reading is captured when its row commits (invariant 1); a row leaves only when the server
// acks its uid (invariant 3). Sending writes nothing (send times live in memory) and deleting
// may use a reserve of space, so a full disk never stops delivery (issue 22). Every SQLite
// failure is a Result error, never an exception. Not thread-safe: one owner on the gateway's
// io thread (v0 runs SQLite on that thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "gateway/outbox/sent_book.h"
#include "gateway/outbox/space_reserve.h"
#include "gateway/outbox/statement_cache.h"

struct sqlite3;

namespace kotona::gateway {

using OutboxTime = std::chrono::sys_time<std::chrono::milliseconds>;

// A record number this gateway stored for a device, under the record epoch it was given, with
// a fingerprint of the record's content (gateway/record_epochs.h decides epochs from these).
struct RecordSeen {
  std::string key;  // driver, serial, counter and kind of the device's record counter
  std::uint32_t epoch = 0;
  std::uint64_t number = 0;
  std::string fingerprint;
  friend bool operator==(const RecordSeen&, const RecordSeen&) = default;
};

struct OutboxEntry {  // what append() stores
  OutboxEntry() = default;
  OutboxEntry(std::string uid, std::string bytes, std::optional<RecordSeen> record = {})
      : reading_uid(std::move(uid)), payload(std::move(bytes)), seen(std::move(record)) {}
  std::string reading_uid;
  std::string payload;             // an encoded kotona.v1.Reading
  std::optional<RecordSeen> seen;  // stored in the same transaction as the row
};

// Where a device's stored-record transfer stands (a driver's RecordCursor): the last record
// sequence whose reading is committed, for one (driver, device address). Stored by append()
// in the same transaction as that step's readings, so it never runs ahead of them.
struct OutboxCursor {
  std::string driver;
  std::string device;  // BLE address "AA:BB:CC:DD:EE:FF"
  std::string serial;  // the device serial the sequence belongs to
  std::uint16_t sequence = 0;
  std::string fingerprint = {};  // of the record at `sequence` (drivers::RecordCursor); "" unknown
  friend bool operator==(const OutboxCursor&, const OutboxCursor&) = default;
};

struct OutboxOptions {
  // Filesystem space held back for deleting acked rows when the disk is full (the file
  // `<path>.reserve`); 0: none.
  std::uint64_t reserve_bytes = 1024 * 1024;
};

// The outbox's disk, for GatewayStatus.
struct OutboxStorage {
  // The last append failed for lack of space (or was refused to keep the last space for
  // delivery); cleared by the next append that commits.
  bool full = false;
  std::optional<OutboxTime> full_since;
  // Room for new rows: the filesystem's free bytes plus the database's own free pages.
  std::uint64_t available_bytes = 0;
  bool reserve_in_place = false;
};

struct OutboxRow {  // what next_to_send() returns
  std::int64_t seq = 0;
  std::string reading_uid;
  std::string payload;
  std::int64_t send_count = 0;
};

class Outbox {
 public:
  // Opens or creates the database at `path` and puts the space reserve in place when there is
  // room. Errors: kIo naming the path and SQLite's reason (missing directory, not a database,
  // read-only file, ...).
  [[nodiscard]] static Result<std::unique_ptr<Outbox>> open(const std::string& path,
                                                            OutboxOptions options = {});
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Stores every entry (with its RecordSeen), and `cursor` when given (replacing the one of its
  // driver and device), in ONE transaction; a uid already present is ignored (a device that
  // re-sends a record adds nothing). Returns how many rows were new. Error kIo: nothing
  // stored, cursor unchanged;
  // also refused without trying while the reserve is spent and the database has no free
  // pages left (the last space stays for deleting acked rows).
  [[nodiscard]] Result<std::size_t> append(std::span<const OutboxEntry> entries, OutboxTime now,
                                           const std::optional<OutboxCursor>& cursor = {});
  // Every RecordSeen stored for `key`, any epoch. Error kIo.
  [[nodiscard]] Result<std::vector<RecordSeen>> load_seen(const std::string& key);
  // Deletes `key`'s RecordSeen rows except the `keep_newest` stored last and the `keep_head`
  // lowest-numbered of each epoch (gateway/record_epochs.h says why those). Returns rows
  // deleted. Error kIo: nothing deleted.
  [[nodiscard]] Result<std::size_t> prune_seen(const std::string& key, std::size_t keep_newest,
                                               std::size_t keep_head);
  // The cursor last stored for (driver, device); nullopt when none. Error kIo.
  [[nodiscard]] Result<std::optional<OutboxCursor>> load_cursor(const std::string& driver,
                                                                const std::string& device);
  // At most `limit` rows: first those sent at or before `now - ack_timeout`, or sent after
  // `now` (the hub clock was stepped back), longest unacked first; then at most `max_fresh`
  // rows never sent, oldest seq first (the caller's in-flight cap, issue 15).
  [[nodiscard]] Result<std::vector<OutboxRow>> next_to_send(
      std::size_t limit, OutboxTime now, std::chrono::milliseconds ack_timeout,
      std::size_t max_fresh = std::numeric_limits<std::size_t>::max());
  // Rows sent and not acked since the last reset_sent() (in memory).
  std::size_t in_flight() const { return sent_.size(); }
  // Records (in memory: no disk write) that the listed uids were sent at `now`.
  // REQUIRES: the uids come from next_to_send(), in its order.
  [[nodiscard]] Result<void> mark_sent(std::span<const std::string> uids, OutboxTime now);
  // Deletes the listed uids (call on an application ack only). Returns rows deleted. On a
  // full disk the reserve is released and the delete tried once more.
  [[nodiscard]] Result<std::size_t> remove(std::span<const std::string> uids);
  // The server acked these uids (call on an application ack only, invariant 3): they leave
  // the in-flight set at once and are never offered again; their rows are deleted later, all
  // in ONE transaction, by flush_settled() (issue 15: one delete transaction, one fsync, per
  // ack through a real meter). A crash before that only re-sends them; the server
  // deduplicates. In memory.
  void settle(std::span<const std::string> uids);
  // Deletes every settled row (as remove()). Returns {rows deleted, uids named since the last
  // flush}; an empty list writes nothing. On error the uids stay settled for the next call.
  struct Flushed {
    std::size_t removed = 0, named = 0;
  };
  [[nodiscard]] Result<Flushed> flush_settled();
  std::size_t settled() const { return settled_.size(); }
  // Forgets every send time so all rows go out again (call after every reconnect). Deletes
  // the settled rows first (so they are not sent again); when that fails they stay settled
  // and go out again (the server acks them as duplicates). Errors: that delete's.
  [[nodiscard]] Result<void> reset_sent();
  [[nodiscard]] Result<std::uint64_t> depth();
  // created time of the oldest row, nullopt when empty.
  [[nodiscard]] Result<std::optional<OutboxTime>> oldest_created();
  // Increasing batch id: in memory, from blocks reserved in the meta table (one write per
  // 65536 batches; when that write fails the ids still increase within this run).
  [[nodiscard]] Result<std::uint64_t> next_batch_id();
  // The disk's state; tries to put a released reserve back first.
  OutboxStorage storage();

  // Makes every later write fail (PRAGMA query_only), to test commit-failure paths. Root
  // ignores file permissions, so tests cannot rely on a read-only file.
  [[nodiscard]] Result<void> query_only_for_test(bool on);

 private:
  Outbox(sqlite3* db, std::string path, const OutboxOptions& options)
      : db_(db),
        statements_(db),
        path_(std::move(path)),
        reserve_(path_ + ".reserve", options.reserve_bytes) {}
  class Statement;
  Result<void> exec(const char* sql);
  Error sqlite_error(const std::string& what) const;
  bool last_error_was_full() const;
  Result<std::size_t> append_once(std::span<const OutboxEntry> entries, OutboxTime now,
                                  const std::optional<OutboxCursor>& cursor);
  Result<std::size_t> remove_once(std::span<const std::string> uids, bool& full);
  bool appends_must_wait();
  std::uint64_t free_page_bytes();
  void reserve_batch_ids();

  sqlite3* db_;
  StatementCache statements_;  // after db_: built from it
  std::string path_;
  SpaceReserve reserve_;
  bool reserve_spent_ = false;  // released for a delete; appends wait until it is back
  bool failed_full_ = false;    // the last failed write ran out of space (SQLITE_FULL)
  std::optional<OutboxTime> full_since_;
  SentBook sent_;
  std::vector<std::string> settled_;  // acked, not yet deleted (settle(), flush_settled())
  std::uint64_t batch_next_ = 1;
  std::uint64_t batch_reserved_to_ = 0;  // ids up to this are reserved in the meta table
};

}  // namespace kotona::gateway
