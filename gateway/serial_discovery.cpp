#include "gateway/serial_discovery.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "core/log.h"

namespace kotona::gateway {

namespace {
constexpr std::string_view kLog = "devices";
}  // namespace

std::vector<DeviceSpec> match_serial_by_id(
    const std::string& dir, const std::vector<std::string>& names,
    const std::vector<const drivers::DriverDescriptor*>& drivers,
    const std::function<bool(const std::string&)>& is_known) {
  std::vector<DeviceSpec> out;
  for (const std::string& name : names) {
    const std::string path = dir + "/" + name;
    if (is_known(path)) continue;
    for (const auto* driver : drivers) {
      const auto match = std::find_if(
          driver->serial.begin(), driver->serial.end(), [&](const drivers::SerialMatch& m) {
            return !m.by_id_pattern.empty() &&
                   ::fnmatch(m.by_id_pattern.c_str(), name.c_str(), 0) == 0;
          });
      if (match != driver->serial.end()) {
        out.push_back(DeviceSpec{driver, path, match->baud});
        break;
      }
    }
  }
  return out;
}

SerialDiscovery::SerialDiscovery(boost::asio::io_context& io, std::string dir,
                                 std::vector<const drivers::DriverDescriptor*> drivers,
                                 DeviceManager& devices)
    : dir_(std::move(dir)), drivers_(std::move(drivers)), devices_(devices), timer_(io) {}

SerialDiscovery::~SerialDiscovery() {
  stop();
  *alive_ = false;
}

void SerialDiscovery::start() {
  const bool any_pattern = std::any_of(drivers_.begin(), drivers_.end(), [](const auto* d) {
    return std::any_of(d->serial.begin(), d->serial.end(),
                       [](const auto& m) { return !m.by_id_pattern.empty(); });
  });
  if (!any_pattern) return;
  log_info(kLog, "watching " + dir_ + " for serial devices by stable name");
  scan();
  arm();
}

void SerialDiscovery::stop() {
  stopping_ = true;
  timer_.cancel();
}

void SerialDiscovery::scan() {
  std::vector<std::string> names;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());  // deterministic order of first sight
  for (const DeviceSpec& spec : match_serial_by_id(
           dir_, names, drivers_, [this](const std::string& p) { return devices_.has_path(p); })) {
    log_info(kLog, "found " + spec.path + " (driver " + std::string(spec.driver->name) + ")");
    devices_.add(spec);
  }
}

void SerialDiscovery::arm() {
  if (stopping_) return;
  timer_.expires_after(interval_);
  timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive || stopping_) return;
    scan();
    arm();
  });
}

}  // namespace kotona::gateway
