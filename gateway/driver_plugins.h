// The hub's out-of-tree drivers: every `driver_plugin = PATH` line of its config
// (docs/contracts.md) loaded into the driver registry at start (drivers/registry/plugins.h). A
// plugin that cannot be loaded costs only its own devices: it is logged with the reason and counted
// (driver_plugin_refused, in every heartbeat), and the hub runs on with the other drivers.
// Call before the config's device lines are parsed and before any other thread runs.
#pragma once

#include <cstddef>

#include "core/config_file.h"
#include "core/counters.h"

namespace kotona::gateway {

// Loads the plugins `file` lists, in order. Returns how many were loaded.
std::size_t load_driver_plugins(const ConfigFile& file, Counters& counters);

}  // namespace kotona::gateway
