#include <sqlite3.h>

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/store/database.h"

namespace kotona::server::store {

namespace {

// A statement's bound texts and blobs up to kKeptBytes, one buffer per parameter (index 0
// unused), sized once for the statement and never resized: SQLite holds pointers into them
// (SQLITE_STATIC) until the next bind of that parameter, sqlite3_clear_bindings or finalize.
// A kept statement's buffers keep their capacity from one use to the next, so binding a
// reading's texts allocates nothing (issue 15: SQLITE_TRANSIENT's malloc, copy and free per
// text were ~8 % of the server's CPU in a drain). Longer values (a quarantined payload) are
// copied by SQLite as before, so no large buffer stays with the cache.
using BoundBuffers = std::vector<std::string>;
constexpr std::size_t kKeptBytes = 4096;

// `in_use`: the flag of the database's statement cache this statement was lent from (reset
// and handed back on destruction), or null for a statement of its own (finalized).
// `buffers`: the cache's buffers of that statement, or null (its own).
class SqliteStatement final : public StatementImpl {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use = nullptr,
                  BoundBuffers* buffers = nullptr)
      : db_(db), stmt_(stmt), in_use_(in_use), buffers_(buffers ? buffers : &own_buffers_) {
    const auto wanted = static_cast<std::size_t>(sqlite3_bind_parameter_count(stmt_)) + 1;
    if (buffers_->size() != wanted) buffers_->assign(wanted, std::string());  // nothing bound
  }
  ~SqliteStatement() override {
    if (in_use_ == nullptr) {
      sqlite3_finalize(stmt_);
      return;
    }
    sqlite3_reset(stmt_);  // ends its read of the database; the step's error was returned
    sqlite3_clear_bindings(stmt_);
    *in_use_ = false;
  }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  void bind_int(int index, std::int64_t value) override { sqlite3_bind_int64(stmt_, index, value); }
  void bind_text(int index, std::string_view text) override {
    if (auto kept = keep(index, text)) {
      sqlite3_bind_text64(stmt_, index, kept->data(), kept->size(), SQLITE_STATIC, SQLITE_UTF8);
    } else {
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    }
  }
  void bind_null(int index) override { sqlite3_bind_null(stmt_, index); }
  void bind_blob(int index, std::string_view bytes) override {
    if (auto kept = keep(index, bytes)) {
      sqlite3_bind_blob64(stmt_, index, kept->data(), kept->size(), SQLITE_STATIC);
    } else {
      sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
    }
  }
  Result<bool> step() override {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return fail(Errc::kIo, std::string("sqlite step: ") + sqlite3_errmsg(db_));
  }
  std::int64_t column_int(int index) const override { return sqlite3_column_int64(stmt_, index); }
  std::string column_text(int index) const override {
    const auto* text = sqlite3_column_blob(stmt_, index);
    auto size = sqlite3_column_bytes(stmt_, index);
    if (text == nullptr || size <= 0) return {};
    return std::string(static_cast<const char*>(text), static_cast<std::size_t>(size));
  }
  bool column_is_null(int index) const override {
    return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
  }

 private:
  // The parameter's buffer holding a copy of `bytes`, or null (an index SQLite will refuse, or
  // too long to keep: SQLite copies it).
  const std::string* keep(int index, std::string_view bytes) {
    const auto i = static_cast<std::size_t>(index);
    if (index <= 0 || i >= buffers_->size() || bytes.size() > kKeptBytes) return nullptr;
    return &(*buffers_)[i].assign(bytes.data(), bytes.size());
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool* in_use_;
  BoundBuffers own_buffers_;
  BoundBuffers* buffers_;
};

// Statements are compiled once and kept (issue 15: sqlite3_prepare_v2 on every call was 38 %
// of the server's CPU while draining a backlog). A statement is lent to one Statement at a
// time; a text whose cached statement is still in use (a nested query of the same text) gets
// a statement of its own. SQLite re-prepares a kept statement itself after a schema change.
// REQUIRES: no Statement outlives its Database.
class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(sqlite3* db) : db_(db) {}
  ~SqliteDatabase() override {
    for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
    sqlite3_close_v2(db_);
  }

  Result<void> exec(const std::string& sql) override {
    if (is_transaction_control(sql)) return exec_kept(sql);
    char* message = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      std::string detail = std::string("sqlite exec: ") + (message ? message : sqlite3_errstr(rc));
      sqlite3_free(message);
      return fail(Errc::kIo, detail);
    }
    return {};
  }
  // BEGIN, COMMIT and the group's savepoints (three to four per batch; issue 15:
  // sqlite3_exec compiled each of them again every time): one statement, kept like a query's.
  static bool is_transaction_control(std::string_view sql) {
    if (sql.find(';') != std::string_view::npos) return false;
    for (std::string_view verb : {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT ", "RELEASE "}) {
      if (sql.starts_with(verb)) return true;
    }
    return false;
  }
  Result<void> exec_kept(std::string_view sql) {
    auto statement = prepare(sql);
    if (!statement) return fail(statement.error());
    while (true) {
      auto row = statement->step();
      if (!row) return fail(row.error());
      if (!*row) return {};
    }
  }
  Result<Statement> prepare(std::string_view sql) override {
    auto it = cache_.find(sql);
    if (it != cache_.end() && !it->second.in_use) {
      it->second.in_use = true;
      return Statement(std::make_unique<SqliteStatement>(db_, it->second.stmt, &it->second.in_use,
                                                         &it->second.buffers));
    }
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) {
      return fail(Errc::kIo, std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
    }
    // Bounded: the store's statements are a fixed set of texts (plus a few filter variants).
    constexpr std::size_t kMaxCached = 256;
    if (it != cache_.end() || cache_.size() >= kMaxCached) {
      return Statement(std::make_unique<SqliteStatement>(db_, stmt));
    }
    // Unordered-map nodes never move, so the flag's address stays valid.
    auto& cached = cache_.emplace(std::string(sql), Cached{stmt, true}).first->second;
    return Statement(std::make_unique<SqliteStatement>(db_, stmt, &cached.in_use, &cached.buffers));
  }
  std::int64_t changes() const override { return sqlite3_changes64(db_); }
  Result<void> make_append_only(const std::string& table) override {
    std::string sql;
    for (const char* op : {"update", "delete"}) {
      sql += "CREATE TRIGGER IF NOT EXISTS " + table + "_no_" + op + " BEFORE " + op + " ON " +
             table + " BEGIN SELECT RAISE(ABORT, '" + table + " is append-only'); END;";
    }
    return exec(sql);
  }
  Result<void> schema_lock(bool) override { return {}; }
  Result<std::set<std::string>> columns(std::string_view table) override {
    auto info = prepare("SELECT name FROM pragma_table_info(?)");
    if (!info) return fail(info.error());
    info->bind(1, table);
    std::set<std::string> out;
    while (true) {
      auto row = info->step();
      if (!row) return fail(row.error());
      if (!*row) return out;
      out.insert(info->column_text(0));
    }
  }
  std::string_view backend() const override { return "sqlite"; }

 private:
  struct Cached {
    sqlite3_stmt* stmt;
    bool in_use;
    BoundBuffers buffers = {};  // the statement's bound values (SqliteStatement)
  };
  // Hashes std::string and std::string_view alike, so a lookup needs no copy of the SQL.
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const {
      return std::hash<std::string_view>{}(sql);
    }
  };
  sqlite3* db_;
  std::unordered_map<std::string, Cached, SqlHash, std::equal_to<>> cache_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite(const std::string& path) {
  // No memory statistics (nothing reads them): with them on, every allocation SQLite makes
  // takes a process-wide mutex (issue 15: ~3 % of the server's CPU in a backlog drain). Only
  // possible before SQLite's first use in the process; a later call is refused, harmlessly.
  static const int memstatus_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)memstatus_off;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string detail =
        "cannot open database " + path + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return fail(Errc::kIo, detail);
  }
  auto out = std::make_unique<SqliteDatabase>(db);
  sqlite3_busy_timeout(db, 5000);
  if (auto r = out->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                         "PRAGMA foreign_keys=ON;");
      !r) {
    return fail(r.error());
  }
  return std::unique_ptr<Database>(std::move(out));
}

bool Database::is_postgres(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

Result<std::unique_ptr<Database>> Database::open(const std::string& location) {
  return is_postgres(location) ? open_postgres(location) : open_sqlite(location);
}

}  // namespace kotona::server::store
