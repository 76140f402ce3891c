// The server store's database connection, with two backends behind one small interface:
// SQLite (default; a file path; WAL, synchronous=FULL) and PostgreSQL (a location starting
// "postgresql://" or "postgres://", a libpq connection URI). The store writes one SQL dialect,
// SQLite's, kept to what both accept; the PostgreSQL backend rewrites the few differences
// (placeholders, INTEGER width, auto ids, BLOB, BEGIN IMMEDIATE, PRAGMA) in to_postgres_sql().
// Errors come back as Result (kIo), never as exceptions. Not thread-safe: one owner thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kotona::server::store {

// One prepared statement of either backend.
class StatementImpl {
 public:
  virtual ~StatementImpl() = default;
  virtual void bind_int(int index, std::int64_t value) = 0;
  virtual void bind_text(int index, std::string_view text) = 0;
  virtual void bind_null(int index) = 0;
  virtual void bind_blob(int index, std::string_view bytes) = 0;
  virtual Result<bool> step() = 0;
  virtual std::int64_t column_int(int index) const = 0;
  virtual std::string column_text(int index) const = 0;
  virtual bool column_is_null(int index) const = 0;
};

class Statement {
 public:
  explicit Statement(std::unique_ptr<StatementImpl> impl) : impl_(std::move(impl)) {}

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int index, std::int64_t value) { return impl_->bind_int(index, value), *this; }
  Statement& bind(int index, std::string_view text) { return impl_->bind_text(index, text), *this; }
  Statement& bind(int index, std::nullopt_t) { return impl_->bind_null(index), *this; }
  Statement& bind_blob(int index, std::string_view bytes) {
    return impl_->bind_blob(index, bytes), *this;
  }
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind(index, std::nullopt);
  }

  // True when a row is available, false when done. Errors: kIo (including constraint errors).
  [[nodiscard]] Result<bool> step() { return impl_->step(); }
  std::int64_t column_int(int index) const { return impl_->column_int(index); }
  std::string column_text(int index) const { return impl_->column_text(index); }
  bool column_is_null(int index) const { return impl_->column_is_null(index); }

 private:
  std::unique_ptr<StatementImpl> impl_;
};

// Steps `stmt` (prepared and bound, REQUIRES: holds a statement) to its end, one
// `from_row(statement)` per row. Errors: the first failing step's.
template <typename T, typename F>
Result<std::vector<T>> collect_rows(Result<Statement>& stmt, F&& from_row) {
  std::vector<T> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return fail(row.error());
    if (!*row) return out;
    out.push_back(from_row(*stmt));
  }
}

class Database {
 public:
  // `location`: a PostgreSQL URI ("postgresql://...", "postgres://...") or an SQLite file path
  // (created when missing). Errors: kIo with the backend's message.
  [[nodiscard]] static Result<std::unique_ptr<Database>> open(const std::string& location);
  static bool is_postgres(std::string_view location);

  virtual ~Database() = default;
  Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // One or more statements without parameters. Errors: kIo with the backend's message.
  [[nodiscard]] virtual Result<void> exec(const std::string& sql) = 0;
  [[nodiscard]] virtual Result<Statement> prepare(std::string_view sql) = 0;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  virtual std::int64_t changes() const = 0;
  // Triggers <table>_no_update and <table>_no_delete that refuse UPDATE and DELETE with
  // "<table> is append-only" (idempotent). Errors: kIo.
  [[nodiscard]] virtual Result<void> make_append_only(const std::string& table) = 0;
  // Takes (true) / releases (false) the database-wide schema lock that serialises schema
  // creation and migration between server instances (PostgreSQL advisory lock; SQLite: none
  // needed, its schema statements already take the write lock). Errors: kIo.
  [[nodiscard]] virtual Result<void> schema_lock(bool take) = 0;
  // The column names of `table` (empty when it does not exist). Errors: kIo.
  [[nodiscard]] virtual Result<std::set<std::string>> columns(std::string_view table) = 0;
  // "sqlite" or "postgresql", for logs.
  virtual std::string_view backend() const = 0;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back unless committed, so every early return leaves the
// database as it was.
class Transaction {
 public:
  explicit Transaction(Database& db) : db_(db) {}
  ~Transaction() {
    if (open_) (void)db_.exec("ROLLBACK");
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  [[nodiscard]] Result<void> begin() {
    auto r = db_.exec("BEGIN IMMEDIATE");
    open_ = r.has_value();
    return r;
  }
  [[nodiscard]] Result<void> commit() {
    auto r = db_.exec("COMMIT");
    if (r) open_ = false;
    return r;
  }

 private:
  Database& db_;
  bool open_ = false;
};

[[nodiscard]] Result<std::unique_ptr<Database>> open_sqlite(const std::string& path);
[[nodiscard]] Result<std::unique_ptr<Database>> open_postgres(const std::string& uri);

// The SQLite-dialect statement as PostgreSQL takes it: `?` -> `$1..$n` (outside quotes),
// INTEGER -> BIGINT, INTEGER PRIMARY KEY [AUTOINCREMENT] -> identity column, BLOB -> BYTEA,
// BEGIN IMMEDIATE -> BEGIN + a transaction-scoped advisory lock (one writer at a time, as in
// SQLite, also across server instances), PRAGMA statements dropped. Pure; exposed for tests.
std::string to_postgres_sql(std::string_view sql);

}  // namespace kotona::server::store
