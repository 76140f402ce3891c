#include "gateway/outbox/outbox.h"

#include <sqlite3.h>

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
}  // namespace

// A prepared statement that finalizes itself; every call reports SQLite's result code.
class Outbox::Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
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
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

Result<std::unique_ptr<Outbox>> Outbox::open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<Outbox> outbox(new Outbox(db, path));
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
  for (const char* sql : {"PRAGMA journal_mode=WAL;", synchronous, kSchema}) {
    if (auto r = outbox->exec(sql); !r) return fail(r.error());
  }
  Statement mode(db, "PRAGMA journal_mode;");
  if (!mode.step() || mode.text(0) != "wal") {
    return fail(Errc::kIo, "outbox " + path + ": cannot enable WAL journal mode");
  }
  return outbox;
}

Outbox::~Outbox() { sqlite3_close_v2(db_); }

Error Outbox::sqlite_error(const std::string& what) const {
  const char* msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
  return Error{Errc::kIo, 0, "outbox " + path_ + ": " + what + ": " + msg};
}

Result<void> Outbox::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return {};
  std::string detail = err ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  return fail(Errc::kIo, "outbox " + path_ + ": " + detail);
}

Result<std::size_t> Outbox::append(std::span<const OutboxEntry> entries, OutboxTime now,
                                   const std::optional<OutboxCursor>& cursor) {
  if (entries.empty() && !cursor) return std::size_t{0};
  if (auto r = exec("BEGIN IMMEDIATE;"); !r) return fail(r.error());
  auto rollback = [this](const std::string& what) {
    Error error = sqlite_error(what);
    (void)exec("ROLLBACK;");
    return error;
  };
  Statement insert(db_,
                   "INSERT OR IGNORE INTO outbox(reading_uid, payload, created_unix_ms, "
                   "send_count) VALUES(?1, ?2, ?3, 0);");
  Statement seen(db_,
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
    Statement upsert(db_,
                     "INSERT INTO record_cursor(driver, device, serial, sequence) "
                     "VALUES(?1, ?2, ?3, ?4) ON CONFLICT(driver, device) DO UPDATE SET "
                     "serial = excluded.serial, sequence = excluded.sequence;");
    upsert.bind(1, cursor->driver);
    upsert.bind(2, cursor->device);
    upsert.bind(3, cursor->serial);
    upsert.bind(4, static_cast<std::int64_t>(cursor->sequence));
    upsert.run();
    if (!upsert.ok()) return fail(rollback("append cursor"));
  }
  if (auto r = exec("COMMIT;"); !r) {
    (void)exec("ROLLBACK;");
    return fail(r.error());
  }
  return added;
}

Result<std::vector<RecordSeen>> Outbox::load_seen(const std::string& key) {
  Statement select(db_,
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
  Statement select(db_,
                   "SELECT serial, sequence FROM record_cursor WHERE driver = ?1 AND device = ?2;");
  select.bind(1, driver);
  select.bind(2, device);
  std::optional<OutboxCursor> out;
  if (select.step()) {
    out = OutboxCursor{driver, device, select.text(0),
                       static_cast<std::uint16_t>(select.int64(1))};
  }
  if (!select.ok()) return fail(sqlite_error("load_cursor"));
  return out;
}

Result<std::vector<OutboxRow>> Outbox::next_to_send(std::size_t limit, OutboxTime now,
                                                    std::chrono::milliseconds ack_timeout) {
  Statement select(db_,
                   "SELECT seq, reading_uid, payload, send_count FROM outbox "
                   "WHERE last_sent_unix_ms IS NULL OR last_sent_unix_ms <= ?1 "
                   // sent "in the future": the hub clock was stepped back; re-send now
                   "OR last_sent_unix_ms > ?3 "
                   "ORDER BY seq LIMIT ?2;");
  select.bind(1, unix_ms(now) - ack_timeout.count());
  select.bind(2, static_cast<std::int64_t>(limit));
  select.bind(3, unix_ms(now));
  std::vector<OutboxRow> rows;
  while (select.step()) {
    rows.push_back(OutboxRow{select.int64(0), select.text(1), select.text(2), select.int64(3)});
  }
  if (!select.ok()) return fail(sqlite_error("next_to_send"));
  return rows;
}

Result<void> Outbox::mark_sent(std::span<const std::string> uids, OutboxTime now) {
  if (uids.empty()) return {};
  if (auto r = exec("BEGIN IMMEDIATE;"); !r) return r;
  Statement update(db_,
                   "UPDATE outbox SET last_sent_unix_ms = ?1, send_count = send_count + 1 "
                   "WHERE reading_uid = ?2;");
  for (const auto& uid : uids) {
    update.bind(1, unix_ms(now));
    update.bind(2, uid);
    update.run();
    if (!update.ok()) break;
  }
  if (!update.ok()) {
    Error error = sqlite_error("mark_sent");
    (void)exec("ROLLBACK;");
    return fail(error);
  }
  return exec("COMMIT;");
}

Result<std::size_t> Outbox::remove(std::span<const std::string> uids) {
  if (uids.empty()) return std::size_t{0};
  if (auto r = exec("BEGIN IMMEDIATE;"); !r) return fail(r.error());
  Statement del(db_, "DELETE FROM outbox WHERE reading_uid = ?1;");
  std::size_t removed = 0;
  for (const auto& uid : uids) {
    del.bind(1, uid);
    del.run();
    if (!del.ok()) break;
    removed += static_cast<std::size_t>(sqlite3_changes(db_));
  }
  if (!del.ok()) {
    Error error = sqlite_error("remove");
    (void)exec("ROLLBACK;");
    return fail(error);
  }
  if (auto r = exec("COMMIT;"); !r) return fail(r.error());
  return removed;
}

Result<void> Outbox::reset_sent() {
  return exec("UPDATE outbox SET last_sent_unix_ms = NULL WHERE last_sent_unix_ms IS NOT NULL;");
}

Result<std::uint64_t> Outbox::depth() {
  Statement count(db_, "SELECT COUNT(*) FROM outbox;");
  if (!count.step()) return fail(sqlite_error("depth"));
  return static_cast<std::uint64_t>(count.int64(0));
}

Result<std::optional<OutboxTime>> Outbox::oldest_created() {
  Statement oldest(db_, "SELECT MIN(created_unix_ms) FROM outbox;");
  if (!oldest.step()) return fail(sqlite_error("oldest_created"));
  if (oldest.is_null(0)) return std::optional<OutboxTime>{};
  return std::optional<OutboxTime>{OutboxTime{std::chrono::milliseconds{oldest.int64(0)}}};
}

Result<std::uint64_t> Outbox::next_batch_id() {
  Statement bump(db_,
                 "INSERT INTO meta(key, value) VALUES('batch_id', 1) "
                 "ON CONFLICT(key) DO UPDATE SET value = value + 1 RETURNING value;");
  if (!bump.step()) return fail(sqlite_error("next_batch_id"));
  auto value = static_cast<std::uint64_t>(bump.int64(0));
  bump.step();  // finish the statement so the write commits
  if (!bump.ok()) return fail(sqlite_error("next_batch_id"));
  return value;
}

Result<void> Outbox::query_only_for_test(bool on) {
  return exec(on ? "PRAGMA query_only=ON;" : "PRAGMA query_only=OFF;");
}

}  // namespace kotona::gateway
