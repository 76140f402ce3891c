// update_rollbacks.h: the hubs' updater tallies against the totals the server acted on.
#include "server/store/update_rollbacks.h"

#include <map>

#include "server/alerts/update_alerts.h"

namespace kotona::server::store {

namespace {

std::string seen_name(std::string_view counter, const GatewayId& gateway) {
  return std::string(counter) + "/" + gateway.value;
}

// counters_seen rows of the tallies, by name (one query, whatever the number of hubs).
Result<std::map<std::string, std::uint64_t>> acted_on(Database& db) {
  auto stmt = db.prepare("SELECT name, value FROM counters_seen");
  if (!stmt) return fail(stmt.error());
  std::map<std::string, std::uint64_t> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    out[stmt->column_text(0)] = static_cast<std::uint64_t>(stmt->column_int(1));
  }
  return out;
}

}  // namespace

Result<std::vector<TallyChange>> update_tally_changes(
    Database& db, const std::vector<alerts::GatewayView>& hubs) {
  auto seen = acted_on(db);
  if (!seen) return fail(seen.error());
  std::vector<TallyChange> out;
  for (const auto& hub : hubs) {
    for (const auto& [counter, total] :
         {std::pair{alerts::kRolledBackCounter, hub.update_rolled_back},
          std::pair{alerts::kRollbackFailedCounter, hub.update_rollback_failed}}) {
      if (!total) continue;  // never heard, or not a count we can read
      auto name = seen_name(counter, hub.gateway);
      auto it = seen->find(name);
      std::optional<std::uint64_t> before;
      if (it != seen->end()) before = it->second;
      if (before ? *before == *total : *total == 0) continue;
      out.push_back({name, *total, alerts::evaluate_update_tally(hub, {counter, before, *total})});
    }
  }
  return out;
}

}  // namespace kotona::server::store
