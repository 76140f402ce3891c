// AuditLog: the store's append-only audit_log table and its hash chain (invariant 9): each
// row's SHA-256 covers its fields and the previous row's hash, so changing, deleting,
// inserting or reordering any row breaks every later link. audit_hash() is pure; AuditLog
// borrows the store's Database and is not thread-safe (io thread only).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "server/store/database.h"
#include "server/store/types.h"

namespace kotona::server::store {

// 64 zeros: the prev_hash of the first row.
inline constexpr std::string_view kAuditGenesis =
    "0000000000000000000000000000000000000000000000000000000000000000";

// Lower-case hex SHA-256 of the row's seq, time, actor, action, alert id, detail and
// prev_hash, each length-prefixed (so no field can leak into the next). Ignores row.hash.
std::string audit_hash(const AuditRow& row);

class AuditLog {
 public:
  explicit AuditLog(Database& db) : db_(db) {}
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends `row` (its seq, prev_hash and hash are set here) and moves the head.
  // REQUIRES: inside the action's write transaction, so the row commits with the action.
  // Errors: kIo.
  [[nodiscard]] Result<void> append(const AuditRow& row);
  // append() in a write transaction of its own: for an event that writes nothing else (a
  // failed sign-in). Errors: kIo (nothing written).
  [[nodiscard]] Result<void> record(const AuditRow& row);
  // Newest first, at most `limit`, optionally one alert's (or subject's). Errors: kIo.
  [[nodiscard]] Result<std::vector<AuditRow>> rows(const std::optional<AlertId>& alert, int limit);
  // Recomputes the chain: a modified, deleted, inserted or reordered row breaks it.
  [[nodiscard]] Result<AuditVerdict> verify();

 private:
  Database& db_;
};

}  // namespace kotona::server::store
