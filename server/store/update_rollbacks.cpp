// update_rollbacks.h: the hubs' updater tallies against the totals the server acted on.
#include "server/store/update_rollbacks.h"

#include <boost/json.hpp>
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

// The heartbeat's total for `counter`; 0 when absent. nullopt: not a heartbeat we can read.
std::optional<std::uint64_t> total_of(const boost::json::value& status, std::string_view counter) {
  if (!status.is_object()) return std::nullopt;
  const auto* counters = status.as_object().if_contains("counters");
  if (counters == nullptr) return std::uint64_t{0};
  if (!counters->is_object()) return std::nullopt;
  const auto* v = counters->as_object().if_contains(counter);
  if (v == nullptr) return std::uint64_t{0};
  if (v->is_uint64()) return v->as_uint64();
  if (v->is_int64() && v->as_int64() >= 0) return static_cast<std::uint64_t>(v->as_int64());
  return std::nullopt;
}

}  // namespace

Result<std::vector<TallyChange>> update_tally_changes(
    Database& db, const std::vector<alerts::GatewayView>& hubs) {
  auto seen = acted_on(db);
  if (!seen) return fail(seen.error());
  std::map<std::string, const alerts::GatewayView*> by_id;
  for (const auto& g : hubs) by_id[g.gateway.value] = &g;
  auto stmt = db.prepare("SELECT gateway_id, status_json FROM gateway_status");
  if (!stmt) return fail(stmt.error());
  std::vector<TallyChange> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    auto hub = by_id.find(stmt->column_text(0));
    if (hub == by_id.end()) continue;  // stored after the views were read: the next check
    boost::system::error_code ec;
    const auto status = boost::json::parse(stmt->column_text(1), ec);
    if (ec) continue;
    for (auto counter : {alerts::kRolledBackCounter, alerts::kRollbackFailedCounter}) {
      auto total = total_of(status, counter);
      if (!total) continue;
      auto name = seen_name(counter, hub->second->gateway);
      auto it = seen->find(name);
      std::optional<std::uint64_t> before;
      if (it != seen->end()) before = it->second;
      if (before ? *before == *total : *total == 0) continue;
      out.push_back(
          {name, *total, alerts::evaluate_update_tally(*hub->second, {counter, before, *total})});
    }
  }
  return out;
}

}  // namespace kotona::server::store
