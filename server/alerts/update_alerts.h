// Hub update rollbacks (issue 20 part 6): the hub's updater (kotona-gateway-update) counts the
// updates it rolled back and the rollbacks that failed; the hub sends those totals in every
// heartbeat's counters. Pure drafts from one total against the total the server last acted
// on; the store keeps that value (server/store/update_rollbacks.h). Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "server/alerts/technical.h"

namespace kotona::server::alerts {

inline constexpr std::string_view kUpdateRolledBackRule = "gateway.update_rolled_back";
inline constexpr std::string_view kUpdateRollbackFailedRule = "gateway.update_rollback_failed";
// The heartbeat counters the hub fills from /var/lib/kotona-update/status (gateway/update_status).
inline constexpr std::string_view kRolledBackCounter = "update_rolled_back";
inline constexpr std::string_view kRollbackFailedCounter = "update_rollback_failed";

struct UpdateTally {
  std::string_view counter;               // kRolledBackCounter or kRollbackFailedCounter
  std::optional<std::uint64_t> acted_on;  // the total the server last acted on; nullopt: none
  std::uint64_t total = 0;                // the total in the hub's latest heartbeat
};

// When `total` rose above `acted_on`: gateway.update_rolled_back (medium: the hub runs its
// previous release and its readings still flow) for kRolledBackCounter, or
// gateway.update_rollback_failed (high: the hub may run a release that failed its check, or
// none) for kRollbackFailedCounter. A total below `acted_on` means the hub's tally began again
// (its status file purged, a reinstalled hub): all of it is new. One draft per patient on the
// hub (a system draft when none), subject the hub; episode "<acted_on>-<total>@<heartbeat sent
// ms>": one per rise, the same for every server instance reading the same heartbeat.
// Empty when nothing rose (or `counter` is neither name).
std::vector<TechnicalDraft> evaluate_update_tally(const GatewayView& gateway,
                                                  const UpdateTally& tally);

}  // namespace kotona::server::alerts
