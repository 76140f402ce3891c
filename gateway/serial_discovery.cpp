#include "gateway/serial_discovery.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace kotona::gateway {

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

namespace {
class SerialByIdSource final : public PortSource {
 public:
  SerialByIdSource(std::string dir, std::vector<const drivers::DriverDescriptor*> drivers)
      : dir_(std::move(dir)), drivers_(std::move(drivers)) {}

  std::string watched() const override { return dir_ + " for serial devices by stable name"; }
  bool is_useful() const override {
    return std::any_of(drivers_.begin(), drivers_.end(), [](const auto* d) {
      return std::any_of(d->serial.begin(), d->serial.end(),
                         [](const auto& m) { return !m.by_id_pattern.empty(); });
    });
  }
  std::vector<FoundPort> scan(const std::function<bool(const std::string&)>& is_known) override {
    std::vector<std::string> names;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end;
         it.increment(ec)) {
      names.push_back(it->path().filename().string());
    }
    std::sort(names.begin(), names.end());  // deterministic order of first sight
    std::vector<FoundPort> out;
    for (auto& spec : match_serial_by_id(dir_, names, drivers_, is_known)) {
      out.push_back(FoundPort{std::move(spec), "by-id link"});
    }
    return out;
  }

 private:
  std::string dir_;
  std::vector<const drivers::DriverDescriptor*> drivers_;
};
}  // namespace

std::unique_ptr<PortSource> make_serial_by_id_source(
    std::string dir, std::vector<const drivers::DriverDescriptor*> drivers) {
  return std::make_unique<SerialByIdSource>(std::move(dir), std::move(drivers));
}

}  // namespace kotona::gateway
