// Out-of-tree drivers (issue 21): shared objects a vendor builds with kotona_driver_target()
// against the installed KotonaDriverSdk package. The hub loads those its config lists at start
// (gateway/plugins.h), the conformance kit and kotona-decode those given with --plugin; from
// then on all_drivers() and find_driver() list them after the built-in ones. Not thread-safe:
// load before any other thread runs and before any all_drivers() span is kept.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "drivers/api/descriptor.h"

namespace kotona::drivers {

// Loads the plugin at `path` and registers its driver; the plugin stays loaded for the
// process's life. Errors (kConfig, text naming the path and what is wrong): the file cannot be
// loaded; it lacks an entry point of drivers/api/plugin.h; it was built for another ABI (its
// string and the hub's are in the text); it has no descriptor, name or session factory; or its
// name, a BLE service, serial pattern or USB id is one a registered driver already claims.
// Nothing is registered on error. REQUIRES: no other thread uses the registry.
[[nodiscard]] Result<const DriverDescriptor*> load_driver_plugin(const std::string& path);

// The CLIs' leading `--plugin PATH` pairs: loads each, returns the remaining arguments.
// Errors: the first plugin's load error.
[[nodiscard]] Result<std::vector<std::string>> load_plugin_args(std::vector<std::string> args);

}  // namespace kotona::drivers
