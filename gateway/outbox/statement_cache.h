// StatementCache: the outbox's SQL compiled once per text and kept (issue 15). perf on a hub
// reading a meter every 50 ms: sqlite3_prepare_v2 was ~15 % of the hub's CPU, every statement
// compiled again on every append, send and ack. Only compiling is saved; what runs, and when
// it commits (synchronous=FULL, commit before the meter is answered), is unchanged.
#pragma once

#include <string>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace kotona::gateway {

class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache() { clear(); }
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  // The compiled statement for `sql` (SQLite's result code in `rc`; nullptr on failure, never
  // kept). When the kept one is in use (a nested use of the same text), a fresh one is
  // compiled for this use only. Give it back with release().
  sqlite3_stmt* acquire(const char* sql, int& rc);
  // Reset (no read transaction left open by an unfinished step) and unbound, kept for the
  // next acquire(); a fresh one is finalized.
  void release(sqlite3_stmt* stmt);
  // Finalizes every kept statement (before the database is closed).
  void clear();

 private:
  struct Entry {
    sqlite3_stmt* stmt = nullptr;
    bool busy = false;
  };
  sqlite3* db_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace kotona::gateway
