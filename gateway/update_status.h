// What the hub's updater (kotona-gateway-update, docs/packages.md "Updates") reports to the
// server: it writes its rollback tallies to a small `key = value` file, which the hub reads at
// start (every install or rollback restarts the hub) and carries as heartbeat counters
// `update_rolled_back` and `update_rollback_failed`. No file: nothing to report. A malformed one
// is logged and counted (`update_status_unreadable`); the hub runs on.
#pragma once

#include <string>

#include "core/config_file.h"
#include "core/counters.h"

namespace kotona::gateway {

inline constexpr const char* kUpdateStatusPath = "/var/lib/kotona-update/status";

// Adds the file's tallies to `counters`.
void add_update_counters(const ConfigFile& status, Counters& counters);
// Loads kUpdateStatusPath (or `path`) and adds its tallies; a missing file adds nothing.
void read_update_status(Counters& counters, const std::string& path = kUpdateStatusPath);

}  // namespace kotona::gateway
