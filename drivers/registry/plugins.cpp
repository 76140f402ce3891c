#include "drivers/registry/plugins.h"

#include <dlfcn.h>

#include <string_view>

#include "drivers/api/plugin.h"
#include "drivers/registry/registry.h"

namespace kotona::drivers {
namespace detail {
std::vector<const DriverDescriptor*>& registered();  // registry.cpp (generated)
}

namespace {

template <typename T, typename Same>
bool any_pair(const std::vector<T>& mine, const std::vector<T>& theirs, Same same) {
  for (const auto& a : mine) {
    for (const auto& b : theirs) {
      if (same(a, b)) return true;
    }
  }
  return false;
}

// What of `d` a registered driver already claims ("" when nothing). Two drivers matching the
// same device would make the hub's choice arbitrary, so the loader refuses what registry_test
// refuses for built-in drivers.
std::string claimed(const DriverDescriptor& d) {
  for (const DriverDescriptor* other : all_drivers()) {
    const std::string who(other->name);
    if (other->name == d.name) return "the name " + who;
    if (any_pair(d.ble, other->ble,
                 [](auto& a, auto& b) { return a.service_uuid16 == b.service_uuid16; })) {
      return "a BLE service of " + who;
    }
    if (any_pair(d.serial, other->serial, [](auto& a, auto& b) {
          return !a.by_id_pattern.empty() && a.by_id_pattern == b.by_id_pattern;
        })) {
      return "a serial pattern of " + who;
    }
    if (any_pair(d.usb_hid, other->usb_hid, [](auto& a, auto& b) {
          return a.vendor_id == b.vendor_id && a.product_id == b.product_id;
        })) {
      return "a USB id of " + who;
    }
  }
  return "";
}

// Why the loaded plugin cannot be registered ("" when it can).
std::string judge(void* handle) {
  auto abi = reinterpret_cast<KotonaDriverPluginAbi>(dlsym(handle, "kotona_driver_plugin_abi"));
  auto descriptor = reinterpret_cast<KotonaDriverPluginDescriptor>(
      dlsym(handle, "kotona_driver_plugin_descriptor"));
  if (abi == nullptr || descriptor == nullptr) {
    return "no kotona_driver_plugin_abi / kotona_driver_plugin_descriptor entry point (built "
           "with kotona_driver_target?)";
  }
  if (const char* theirs = abi();
      theirs == nullptr || theirs != std::string_view(KOTONA_DRIVER_PLUGIN_ABI)) {
    return "built for ABI '" + std::string(theirs ? theirs : "(null)") + "', this program is '" +
           KOTONA_DRIVER_PLUGIN_ABI "': rebuild it against this release's KotonaDriverSdk";
  }
  const DriverDescriptor* d = descriptor();
  if (d == nullptr || d->name.empty() || d->make_session == nullptr) {
    return "its descriptor has no name or no session factory";
  }
  if (auto what = claimed(*d); !what.empty()) return "claims " + what;
  return "";
}

}  // namespace

Result<const DriverDescriptor*> load_driver_plugin(const std::string& path) {
  auto refuse = [&](const std::string& why) {
    return fail(Errc::kConfig, "driver plugin " + path + ": " + why);
  };
  // RTLD_LOCAL: the plugin's own copies of core and drivers/gatt stay its own.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return refuse(why ? why : "cannot be loaded");
  }
  if (auto why = judge(handle); !why.empty()) {
    dlclose(handle);
    return refuse(why);
  }
  // The handle stays open for the process's life: the descriptor and its sessions' code live in
  // it.
  auto descriptor = reinterpret_cast<KotonaDriverPluginDescriptor>(
      dlsym(handle, "kotona_driver_plugin_descriptor"));
  const DriverDescriptor* d = descriptor();
  detail::registered().push_back(d);
  return d;
}

Result<std::vector<std::string>> load_plugin_args(std::vector<std::string> args) {
  while (args.size() >= 2 && args[0] == "--plugin") {
    auto loaded = load_driver_plugin(args[1]);
    if (!loaded) return fail(loaded.error());
    args.erase(args.begin(), args.begin() + 2);
  }
  return args;
}

}  // namespace kotona::drivers
