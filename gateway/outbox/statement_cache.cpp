#include "gateway/outbox/statement_cache.h"

#include <sqlite3.h>

namespace kotona::gateway {

sqlite3_stmt* StatementCache::acquire(const char* sql, int& rc) {
  auto it = entries_.find(sql);
  if (it != entries_.end() && !it->second.busy) {
    it->second.busy = true;
    rc = SQLITE_OK;
    return it->second.stmt;
  }
  sqlite3_stmt* stmt = nullptr;
  rc = sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr);
  if (rc != SQLITE_OK || stmt == nullptr) return stmt;  // finalized by release()
  if (it == entries_.end()) entries_.emplace(sql, Entry{stmt, true});
  return stmt;
}

void StatementCache::release(sqlite3_stmt* stmt) {
  if (stmt == nullptr) return;
  auto it = entries_.find(sqlite3_sql(stmt));
  if (it == entries_.end() || it->second.stmt != stmt) {
    sqlite3_finalize(stmt);
    return;
  }
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  it->second.busy = false;
}

void StatementCache::clear() {
  for (auto& [sql, entry] : entries_) sqlite3_finalize(entry.stmt);
  entries_.clear();
}

}  // namespace kotona::gateway
