// The audit log's hash chain (invariant 9): each row's SHA-256 covers its fields and the
// previous row's hash, so changing, deleting, inserting or reordering any row breaks every
// later link. Pure; thread-safe. The rows live in the store's audit_log table (audit.cpp).
#pragma once

#include <string>

#include "server/store/types.h"

namespace kotona::server::store {

// 64 zeros: the prev_hash of the first row.
inline constexpr std::string_view kAuditGenesis =
    "0000000000000000000000000000000000000000000000000000000000000000";

// Lower-case hex SHA-256 of the row's seq, time, actor, action, alert id, detail and
// prev_hash, each length-prefixed (so no field can leak into the next). Ignores row.hash.
std::string audit_hash(const AuditRow& row);

}  // namespace kotona::server::store
