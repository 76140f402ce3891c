#include "gateway/update_status.h"

#include <filesystem>
#include <limits>

#include "core/log.h"

namespace kotona::gateway {

void add_update_counters(const ConfigFile& status, Counters& counters) {
  for (const char* key : {"update_rolled_back", "update_rollback_failed"}) {
    auto n = status.get_int(key, 0, 0, std::numeric_limits<std::int32_t>::max());
    if (!n) {
      log_warn("gateway", "update status: " + n.error().detail);
      counters.add("update_status_unreadable");
    } else if (*n > 0) {
      counters.add(key, static_cast<std::uint64_t>(*n));
    }
  }
}

void read_update_status(Counters& counters, const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return;  // no update has run on this hub
  auto file = ConfigFile::load(path);
  if (!file) {
    log_warn("gateway", "update status: " + file.error().detail);
    counters.add("update_status_unreadable");
    return;
  }
  add_update_counters(*file, counters);
}

}  // namespace kotona::gateway
