#include "gateway/outbox/outbox.h"

#include <sqlite3.h>

#include <algorithm>

namespace kotona::gateway {

namespace {
constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS outbox("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " reading_uid TEXT NOT NULL UNIQUE,"
    " payload BLOB NOT NULL,"
    " created_unix_ms INTEGER NOT NULL,"
    " last_sent_unix_ms INTEGER NULL,"
    " send_count INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS record_cursor("
    " driver TEXT NOT NULL,"
    " device TEXT NOT NULL,"
    " serial TEXT NOT NULL,"
    " sequence INTEGER NOT NULL,"
    " fingerprint TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY(driver, device));"
    // Record numbers stored per device counter and epoch (issue 13: counter resets). Kept
    // after the outbox row is acked: a reset is known by a number coming back changed.
    "CREATE TABLE IF NOT EXISTS record_seen("
    " key TEXT NOT NULL,"
    " epoch INTEGER NOT NULL,"
    " number INTEGER NOT NULL,"
    " fingerprint TEXT NOT NULL,"
    " PRIMARY KEY(key, epoch, number));";

std::int64_t unix_ms(OutboxTime t) { return t.time_since_epoch().count(); }

constexpr std::uint64_t kBatchIdBlock = 65536;
// While the reserve is spent, appends need this much free space inside the database file, so
// they never grow it: a checkpoint that has to grow the file on a full disk cannot finish, and
// then even deletes have no room.
constexpr std::uint64_t kAppendFloorBytes = 256 * 1024;

// A small flash: checkpoint every 128 pages (512 KiB, not SQLite's 1000 pages = 4 MiB, which
// refilled a 4 MB filesystem with WAL in the probe) and truncate the WAL back to
// 512 KiB after a checkpoint. Temporary tables in memory: never a temp file on the disk.
// A page cache of 512 KiB, not SQLite's 2 MiB: draining a 100k backlog filled the default
// one (random uid-index pages of the deletes) and put the hub at 16.8 MB peak RSS against
// the 16 MB gate; with 512 KiB 15.2 MB, same CPU (issue 15, docs/performance.md).
constexpr const char* kSmallFlash =
    "PRAGMA wal_autocheckpoint=128; PRAGMA journal_size_limit=524288; "
    "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-512;";
}  // namespace

// A prepared statement that finalizes itself; every call reports SQLite's result code.
// Borrowed from the outbox's StatementCache, or compiled for one use (open(), before the
// cache exists).
class Outbox::Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  Statement(StatementCache& cache, const char* sql) : cache_(&cache) {
    stmt_ = cache.acquire(sql, rc_);
  }
  ~Statement() {
    if (cache_ != nullptr) {
      cache_->release(stmt_);
    } else {
      sqlite3_finalize(stmt_);
    }
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return rc_ == SQLITE_OK || rc_ == SQLITE_ROW || rc_ == SQLITE_DONE; }
  void bind(int i, std::int64_t v) { keep(sqlite3_bind_int64(stmt_, i, v)); }
  void bind(int i, const std::string& v) {
    keep(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  void bind_blob(int i, const std::string& v) {
    keep(sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  // True while a row is available; check ok() after the loop.
  bool step() {
    if (!ok()) return false;
    rc_ = sqlite3_step(stmt_);
    return rc_ == SQLITE_ROW;
  }
  // Ready for the next bind (after step() returned a row or the end).
  void reset() {
    if (ok()) sqlite3_reset(stmt_);
  }
  // Runs to completion and resets for the next bind.
  void run() {
    step();
    if (ok()) sqlite3_reset(stmt_);
  }
  std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string text(int col) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }

 private:
  void keep(int rc) {
    if (ok() && rc != SQLITE_OK) rc_ = rc;
  }
  StatementCache* cache_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

Result<std::unique_ptr<Outbox>> Outbox::open(const std::string& path, OutboxOptions options) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<Outbox> outbox(new Outbox(db, path, options));
  if (rc != SQLITE_OK) return fail(outbox->sqlite_error("open"));
  sqlite3_busy_timeout(db, 5000);
  // journal_mode=WAL is the first statement that reads the file: "not a database" shows here.
#ifdef KOTONA_BROKEN_SYNC_OFF
  // NEGATIVE CONTROL ONLY (cmake -DKOTONA_BROKEN=sync_off): commits not synced, so a power
  // cut loses readings the device was told were safe. The power-loss test must catch it.
  const char* synchronous = "PRAGMA synchronous=OFF;";
#else
  const char* synchronous = "PRAGMA synchronous=FULL;";
#endif
  for (const char* sql : {"PRAGMA journal_mode=WAL;", synchronous, kSmallFlash, kSchema}) {
    if (auto r = outbox->exec(sql); !r) return fail(r.error());
  }
  // An outbox written before record_cursor had its fingerprint (issue 13, BLE counter reset).
  if (Statement has(db, "SELECT fingerprint FROM record_cursor LIMIT 0;"); !has.ok()) {
    if (auto r = outbox->exec("ALTER TABLE record_cursor ADD COLUMN fingerprint TEXT NOT NULL "
                              "DEFAULT '';");
        !r) {
      return fail(r.error());
    }
  }
  Statement mode(db, "PRAGMA journal_mode;");
  if (!mode.step() || mode.text(0) != "wal") {
    return fail(Errc::kIo, "outbox " + path + ": cannot enable WAL journal mode");
  }
  outbox->reserve_.restore();
  outbox->reserve_batch_ids();
  return outbox;
}

Outbox::~Outbox() {
  (void)flush_settled();  // a clean stop deletes what was acked; else it is only re-sent
  statements_.clear();
  sqlite3_close_v2(db_);
}

Error Outbox::sqlite_error(const std::string& what) const {
  const char* msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
  return Error{Errc::kIo, 0, "outbox " + path_ + ": " + what + ": " + msg};
}

bool Outbox::last_error_was_full() const {
  return (sqlite3_extended_errcode(db_) & 0xff) == SQLITE_FULL;
}

Result<void> Outbox::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return {};
  failed_full_ = failed_full_ || (rc & 0xff) == SQLITE_FULL || last_error_was_full();
  std::string detail = err ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  return fail(Errc::kIo, "outbox " + path_ + ": " + detail);
}

Result<std::size_t> Outbox::append(std::span<const OutboxEntry> entries, OutboxTime now,
                                   const std::optional<OutboxCursor>& cursor) {
  if (entries.empty() && !cursor) return std::size_t{0};
  if (appends_must_wait()) {
    if (!full_since_) full_since_ = now;
    return fail(Errc::kIo, "outbox " + path_ +
                               ": disk full: the last space is kept for delivering what is stored");
  }
  failed_full_ = false;
  auto added = append_once(entries, now, cursor);
  if (added) {
    full_since_.reset();
  } else if (failed_full_ && !full_since_) {
    full_since_ = now;
  }
  return added;
}

bool Outbox::appends_must_wait() {
  if (!reserve_spent_) return false;
  if (reserve_.restore()) {
    reserve_spent_ = false;
    return false;
  }
  return free_page_bytes() < kAppendFloorBytes;
}

std::uint64_t Outbox::free_page_bytes() {
  Statement free_pages(statements_,
                       "SELECT freelist_count * page_size FROM pragma_freelist_count(), "
                       "pragma_page_size();");
  return free_pages.step() ? static_cast<std::uint64_t>(free_pages.int64(0)) : 0;
}

Result<std::size_t> Outbox::append_once(std::span<const OutboxEntry> entries, OutboxTime now,
                                        const std::optional<OutboxCursor>& cursor) {
  if (auto r = exec("BEGIN IMMEDIATE;"); !r) return fail(r.error());
  auto rollback = [this](const std::string& what) {
    failed_full_ = failed_full_ || last_error_was_full();
    Error error = sqlite_error(what);
    (void)exec("ROLLBACK;");
    return error;
  };
  Statement insert(statements_,
                   "INSERT OR IGNORE INTO outbox(reading_uid, payload, created_unix_ms, "
                   "send_count) VALUES(?1, ?2, ?3, 0);");
  Statement seen(statements_,
                 "INSERT OR IGNORE INTO record_seen(key, epoch, number, fingerprint) "
                 "VALUES(?1, ?2, ?3, ?4);");
  std::size_t added = 0;
  for (const auto& e : entries) {
    insert.bind(1, e.reading_uid);
    insert.bind_blob(2, e.payload);
    insert.bind(3, unix_ms(now));
    insert.run();
    if (!insert.ok()) return fail(rollback("append"));
    added += static_cast<std::size_t>(sqlite3_changes(db_));
    if (!e.seen) continue;
    seen.bind(1, e.seen->key);
    seen.bind(2, static_cast<std::int64_t>(e.seen->epoch));
    seen.bind(3, static_cast<std::int64_t>(e.seen->number));
    seen.bind(4, e.seen->fingerprint);
    seen.run();
    if (!seen.ok()) return fail(rollback("append record_seen"));
  }
  if (cursor) {
    Statement upsert(statements_,
                     "INSERT INTO record_cursor(driver, device, serial, sequence, fingerprint) "
                     "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(driver, device) DO UPDATE SET "
                     "serial = excluded.serial, sequence = excluded.sequence, "
                     "fingerprint = excluded.fingerprint;");
    upsert.bind(1, cursor->driver);
    upsert.bind(2, cursor->device);
    upsert.bind(3, cursor->serial);
    upsert.bind(4, static_cast<std::int64_t>(cursor->sequence));
    upsert.bind(5, cursor->fingerprint);
    upsert.run();
    if (!upsert.ok()) return fail(rollback("append cursor"));
  }
  if (auto r = exec("COMMIT;"); !r) {
    (void)exec("ROLLBACK;");
    return fail(r.error());
  }
  return added;
}

Result<std::size_t> Outbox::prune_seen(const std::string& key, std::size_t keep_newest,
                                       std::size_t keep_head) {
  // rowid grows with insertion (the newest row is never deleted, so no rowid is reused).
  Statement prune(statements_,
                  "DELETE FROM record_seen WHERE rowid IN (SELECT rowid FROM (SELECT rowid, "
                  "ROW_NUMBER() OVER (ORDER BY rowid DESC) AS newest, ROW_NUMBER() OVER "
                  "(PARTITION BY epoch ORDER BY number) AS head FROM record_seen WHERE key = ?1) "
                  "WHERE newest > ?2 AND head > ?3);");
  prune.bind(1, key);
  prune.bind(2, static_cast<std::int64_t>(keep_newest));
  prune.bind(3, static_cast<std::int64_t>(keep_head));
  prune.run();
  if (!prune.ok()) return fail(sqlite_error("prune_seen"));
  return static_cast<std::size_t>(sqlite3_changes(db_));
}

Result<std::vector<RecordSeen>> Outbox::load_seen(const std::string& key) {
  Statement select(statements_,
                   "SELECT epoch, number, fingerprint FROM record_seen WHERE key = ?1 "
                   "ORDER BY epoch, number;");
  select.bind(1, key);
  std::vector<RecordSeen> out;
  while (select.step()) {
    out.push_back(RecordSeen{key, static_cast<std::uint32_t>(select.int64(0)),
                             static_cast<std::uint64_t>(select.int64(1)), select.text(2)});
  }
  if (!select.ok()) return fail(sqlite_error("load_seen"));
  return out;
}

Result<std::optional<OutboxCursor>> Outbox::load_cursor(const std::string& driver,
                                                        const std::string& device) {
  Statement select(statements_,
                   "SELECT serial, sequence, fingerprint FROM record_cursor "
                   "WHERE driver = ?1 AND device = ?2;");
  select.bind(1, driver);
  select.bind(2, device);
  std::optional<OutboxCursor> out;
  if (select.step()) {
    out = OutboxCursor{driver, device, select.text(0), static_cast<std::uint16_t>(select.int64(1)),
                       select.text(2)};
  }
  if (!select.ok()) return fail(sqlite_error("load_cursor"));
  return out;
}

Result<std::vector<OutboxRow>> Outbox::next_to_send(std::size_t limit, OutboxTime now,
                                                    std::chrono::milliseconds ack_timeout,
                                                    std::size_t max_fresh) {
  std::vector<OutboxRow> rows;
  // Sent rows due again first: their seqs are below every row never sent.
  Statement payload(statements_, "SELECT payload FROM outbox WHERE seq = ?1;");
  for (const auto& [seq, uid] : sent_.due(limit, now, ack_timeout)) {
    payload.bind(1, seq);
    if (payload.step()) {
      rows.push_back(OutboxRow{seq, uid, payload.text(0), sent_.send_count(seq)});
    } else if (payload.ok()) {
      sent_.forget(uid);  // deleted meanwhile (acked)
    }
    if (!payload.ok()) return fail(sqlite_error("next_to_send"));
    payload.reset();
  }
  if (rows.size() >= limit || max_fresh == 0) return rows;
  Statement fresh(statements_,
                  "SELECT seq, reading_uid, payload FROM outbox WHERE seq > ?1 "
                  "ORDER BY seq LIMIT ?2;");
  fresh.bind(1, sent_.high_water());
  fresh.bind(2, static_cast<std::int64_t>(std::min(limit - rows.size(), max_fresh)));
  while (fresh.step()) rows.push_back(OutboxRow{fresh.int64(0), fresh.text(1), fresh.text(2), 0});
  if (!fresh.ok()) return fail(sqlite_error("next_to_send"));
  return rows;
}

Result<void> Outbox::mark_sent(std::span<const std::string> uids, OutboxTime now) {
  Statement find(statements_, "SELECT seq FROM outbox WHERE reading_uid = ?1;");
  for (const auto& uid : uids) {
    std::int64_t seq = sent_.seq_of(uid);
    if (seq < 0) {
      find.bind(1, uid);
      if (find.step()) seq = find.int64(0);
      if (!find.ok()) return fail(sqlite_error("mark_sent"));
      find.reset();
    }
    if (seq >= 0) sent_.mark(seq, uid, now);
  }
  return {};
}

Result<std::size_t> Outbox::remove(std::span<const std::string> uids) {
  if (uids.empty()) return std::size_t{0};
  bool full = false;
  auto removed = remove_once(uids, full);
  // A full disk: give the reserve's space to this delete (and to the checkpoint after it).
  // NEGATIVE CONTROL ONLY (cmake -DKOTONA_BROKEN=no_space_reserve): never released.
  constexpr bool kUsesReserve =
#ifdef KOTONA_BROKEN_NO_SPACE_RESERVE
      false;
#else
      true;
#endif
  if (!removed && full && kUsesReserve && reserve_.release()) {
    reserve_spent_ = true;
    removed = remove_once(uids, full);
  }
  if (!removed) return removed;
  for (const auto& uid : uids) sent_.forget(uid);
  if (reserve_spent_ && reserve_.restore()) reserve_spent_ = false;
  return removed;
}

Result<std::size_t> Outbox::remove_once(std::span<const std::string> uids, bool& full) {
  failed_full_ = false;
  if (auto r = exec("BEGIN IMMEDIATE;"); !r) {
    full = failed_full_;
    return fail(r.error());
  }
  Statement del(statements_, "DELETE FROM outbox WHERE reading_uid = ?1;");
  std::size_t removed = 0;
  for (const auto& uid : uids) {
    del.bind(1, uid);
    del.run();
    if (!del.ok()) break;
    removed += static_cast<std::size_t>(sqlite3_changes(db_));
  }
  if (!del.ok()) {
    full = last_error_was_full();
    Error error = sqlite_error("remove");
    (void)exec("ROLLBACK;");
    return fail(error);
  }
  if (auto r = exec("COMMIT;"); !r) {
    full = failed_full_;
    (void)exec("ROLLBACK;");
    return fail(r.error());
  }
  return removed;
}

void Outbox::settle(std::span<const std::string> uids) {
  for (const auto& uid : uids) {
    sent_.forget(uid);  // no longer in flight, never due again; fresh rows start above it
    settled_.push_back(uid);
  }
}

Result<Outbox::Flushed> Outbox::flush_settled() {
  if (settled_.empty()) return Flushed{};
  auto removed = remove(settled_);
  if (!removed) return fail(removed.error());
  Flushed out{*removed, settled_.size()};
  settled_.clear();
  return out;
}

Result<void> Outbox::reset_sent() {
  auto flushed = flush_settled();
  sent_.clear();
  if (!flushed) return fail(flushed.error());
  return {};
}

Result<std::uint64_t> Outbox::depth() {
  Statement count(statements_, "SELECT COUNT(*) FROM outbox;");
  if (!count.step()) return fail(sqlite_error("depth"));
  return static_cast<std::uint64_t>(count.int64(0));
}

Result<std::optional<OutboxTime>> Outbox::oldest_created() {
  Statement oldest(statements_, "SELECT MIN(created_unix_ms) FROM outbox;");
  if (!oldest.step()) return fail(sqlite_error("oldest_created"));
  if (oldest.is_null(0)) return std::optional<OutboxTime>{};
  return std::optional<OutboxTime>{OutboxTime{std::chrono::milliseconds{oldest.int64(0)}}};
}

void Outbox::reserve_batch_ids() {
  Statement bump(statements_,
                 "INSERT INTO meta(key, value) VALUES('batch_id', ?1) "
                 "ON CONFLICT(key) DO UPDATE SET value = MAX(value, ?2) + ?1 RETURNING value;");
  bump.bind(1, static_cast<std::int64_t>(kBatchIdBlock));
  bump.bind(2, static_cast<std::int64_t>(batch_next_ - 1));
  // On a full disk the ids go on increasing in memory (they are for logs and acks only).
  const std::uint64_t in_memory_to = batch_next_ + kBatchIdBlock - 1;
  if (!bump.step()) {
    batch_reserved_to_ = in_memory_to;
    return;
  }
  auto reserved_to = static_cast<std::uint64_t>(bump.int64(0));
  bump.step();  // finish the statement so the write commits
  if (!bump.ok()) {
    batch_reserved_to_ = in_memory_to;
    return;
  }
  batch_next_ = std::max(batch_next_, reserved_to - kBatchIdBlock + 1);
  batch_reserved_to_ = reserved_to;
}

Result<std::uint64_t> Outbox::next_batch_id() {
  if (batch_next_ > batch_reserved_to_) reserve_batch_ids();
  return batch_next_++;
}

OutboxStorage Outbox::storage() {
  if (reserve_spent_ && reserve_.restore()) reserve_spent_ = false;
  OutboxStorage out;
  out.full = full_since_.has_value();
  out.full_since = full_since_;
  out.available_bytes = filesystem_free_bytes(path_).value_or(0) + free_page_bytes();
  out.reserve_in_place = reserve_.in_place();
  return out;
}

Result<void> Outbox::query_only_for_test(bool on) {
  return exec(on ? "PRAGMA query_only=ON;" : "PRAGMA query_only=OFF;");
}

}  // namespace kotona::gateway
