#include "gateway/driver_plugins.h"

#include "core/log.h"
#include "drivers/registry/plugins.h"

namespace kotona::gateway {

std::size_t load_driver_plugins(const ConfigFile& file, Counters& counters) {
  std::size_t loaded = 0;
  for (const auto& line : file.all("driver_plugin")) {
    auto plugin = drivers::load_driver_plugin(line.value);
    if (!plugin) {
      counters.add("driver_plugin_refused");
      log_error("gateway", file.source() + ":" + std::to_string(line.line) + ": " +
                               plugin.error().detail + "; its devices are not read");
      continue;
    }
    ++loaded;
    log_info("gateway", "driver plugin " + std::string((*plugin)->name) + " " +
                            std::string((*plugin)->version) + " from " + line.value);
  }
  return loaded;
}

}  // namespace kotona::gateway
