// Hub update rollbacks (issue 20 part 6): the updater's totals in each hub's stored heartbeat
// (`counters.update_rolled_back`, `update_rollback_failed`) against the totals the server last
// acted on (counters_seen "<counter>/<gateway>", so a restarted server raises nothing again).
// Part of TechnicalAlerts::check_chain, which raises the drafts and keeps the totals in its
// transaction. Borrows the store's Database; io thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/alerts/technical.h"
#include "server/store/database.h"

namespace kotona::server::store {

// A total that changed: `drafts` to raise (none when it fell to 0), `total` to keep as
// counters_seen `seen_name` in the same transaction.
struct TallyChange {
  std::string seen_name;
  std::uint64_t total = 0;
  std::vector<alerts::TechnicalDraft> drafts;
};

// Every hub in `hubs` (gateway_views(): patients, heartbeat time, the tallies its stored
// heartbeat carries) whose tallies differ from the totals acted on. A counter the heartbeat
// lacks is 0 (the hub sends none before its first rollback); an unreadable one (nullopt) is
// passed over. Errors: kIo.
[[nodiscard]] Result<std::vector<TallyChange>> update_tally_changes(
    Database& db, const std::vector<alerts::GatewayView>& hubs);

}  // namespace kotona::server::store
