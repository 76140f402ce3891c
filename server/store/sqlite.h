// Thin RAII wrapper over the SQLite C API for the server store: one connection, prepared
// statements, errors as Result (SQLite never throws). Not thread-safe: one owner thread.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace kotona::server::store {

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
  }
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::nullopt_t);
  Statement& bind_blob(int index, std::string_view bytes);
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind(index, std::nullopt);
  }

  // True when a row is available, false when done. Errors: kIo (including constraint errors).
  [[nodiscard]] Result<bool> step();
  std::int64_t column_int(int index) const;
  std::string column_text(int index) const;
  bool column_is_null(int index) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Database {
 public:
  // Opens (creating) `path` with WAL and synchronous=FULL. Errors: kIo.
  [[nodiscard]] static Result<std::unique_ptr<Database>> open(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Errors: kIo with SQLite's message.
  [[nodiscard]] Result<void> exec(const std::string& sql);
  [[nodiscard]] Result<Statement> prepare(std::string_view sql);
  std::int64_t changes() const { return sqlite3_changes64(db_); }
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
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

}  // namespace kotona::server::store
