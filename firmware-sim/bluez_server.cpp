#include "firmware-sim/bluez_server.h"

#include <poll.h>

#include <algorithm>
#include <cstdio>
#include <sdbus-c++/sdbus-c++.h>

#include "core/log.h"

namespace kotona::firmware_sim {

namespace {
constexpr const char* kAdapter = "org.bluez.Adapter1";
constexpr std::string_view kLog = "firmware-sim";
using Clock = std::chrono::steady_clock;
}  // namespace

std::string uuid128(std::uint16_t uuid16) {
  char text[40];
  std::snprintf(text, sizeof text, "0000%04x-0000-1000-8000-00805f9b34fb", uuid16);
  return text;
}

struct BluezServer::Impl {
  std::unique_ptr<sdbus::IObject> adapter;
};

Result<std::unique_ptr<BluezServer>> BluezServer::open(const std::string& bus_address,
                                                       const std::string& adapter) {
  std::unique_ptr<BluezServer> server(new BluezServer());
  server->impl_ = std::make_unique<Impl>();
  try {
    server->connection_ = sdbus::createSessionBusConnectionWithAddress(bus_address);
    server->connection_->requestName("org.bluez");
    server->connection_->addObjectManager("/", sdbus::floating_slot);
    server->register_adapter(adapter);
  } catch (const sdbus::Error& e) {
    return fail(Errc::kIo, "D-Bus " + bus_address + ": " + e.what());
  }
  return server;
}

BluezServer::~BluezServer() {
  peripherals_.clear();
  if (impl_) impl_->adapter.reset();
}

void BluezServer::register_adapter(const std::string& adapter) {
  adapter_path_ = "/org/bluez/" + adapter;
  auto& o = impl_->adapter;
  o = sdbus::createObject(*connection_, adapter_path_);
  o->registerProperty("Address").onInterface(kAdapter).withGetter([] {
    return std::string("00:1A:7D:DA:71:13");
  });
  o->registerProperty("AddressType").onInterface(kAdapter).withGetter([] {
    return std::string("public");
  });
  o->registerProperty("Name").onInterface(kAdapter).withGetter([] {
    return std::string("kotona-sim");
  });
  o->registerProperty("Alias").onInterface(kAdapter).withGetter([] {
    return std::string("kotona-sim");
  });
  o->registerProperty("Powered").onInterface(kAdapter).withGetter([] { return true; });
  o->registerProperty("Pairable").onInterface(kAdapter).withGetter([] { return true; });
  o->registerProperty("Discovering").onInterface(kAdapter).withGetter([this] {
    return discovering_;
  });
  o->registerProperty("UUIDs").onInterface(kAdapter).withGetter([] {
    return std::vector<std::string>{};
  });
  o->registerMethod("StartDiscovery").onInterface(kAdapter).implementedAs([this] {
    if (discovering_) throw sdbus::Error("org.bluez.Error.InProgress", "Operation already in progress");
    discovering_ = true;
    on_discovery_changed();
  });
  o->registerMethod("StopDiscovery").onInterface(kAdapter).implementedAs([this] {
    if (!discovering_) throw sdbus::Error("org.bluez.Error.Failed", "No discovery started");
    discovering_ = false;
    on_discovery_changed();
  });
  o->registerMethod("SetDiscoveryFilter")
      .onInterface(kAdapter)
      .withInputParamNames("filter")
      .implementedAs([this](const std::map<std::string, sdbus::Variant>& filter) {
        filter_uuids_.clear();
        if (auto it = filter.find("UUIDs"); it != filter.end()) {
          filter_uuids_ = it->second.get<std::vector<std::string>>();
        }
        for (auto& p : peripherals_) p->update_visibility();
      });
  o->registerMethod("RemoveDevice")
      .onInterface(kAdapter)
      .withInputParamNames("device")
      .implementedAs([this](const sdbus::ObjectPath& device) {
        for (auto& p : peripherals_) {
          if (p->path() == device) {
            p->forget();
            return;
          }
        }
        throw sdbus::Error("org.bluez.Error.DoesNotExist", "Does Not Exist");
      });
  o->finishRegistration();
}

void BluezServer::on_discovery_changed() {
  impl_->adapter->emitPropertiesChangedSignal(kAdapter, {"Discovering"});
  log_info(kLog, std::string("adapter discovery ") + (discovering_ ? "on" : "off"));
  for (auto& p : peripherals_) p->update_visibility();
}

bool BluezServer::filter_accepts(std::uint16_t service) const {
  if (filter_uuids_.empty()) return true;
  const std::string want = uuid128(service);
  return std::any_of(filter_uuids_.begin(), filter_uuids_.end(), [&](std::string u) {
    std::transform(u.begin(), u.end(), u.begin(), [](unsigned char c) {
      return static_cast<char>(std::tolower(c));
    });
    return u == want || (u.size() == 4 && "0000" + u + want.substr(8) == want);
  });
}

Peripheral& BluezServer::add(PeripheralSpec spec, PeripheralBehaviour& behaviour) {
  peripherals_.push_back(std::make_unique<Peripheral>(*this, std::move(spec), behaviour));
  return *peripherals_.back();
}

void BluezServer::post(std::chrono::milliseconds delay, std::function<void()> fn) {
  timers_.emplace(Clock::now() + delay, std::move(fn));
}

void BluezServer::run_for(std::chrono::milliseconds max_wait) {
  const auto deadline = Clock::now() + max_wait;
  while (true) {
    try {
      while (connection_->processPendingRequest()) {
      }
    } catch (const sdbus::Error& e) {
      log_warn(kLog, std::string("D-Bus: ") + e.what());
    }
    bool fired = false;
    while (!timers_.empty() && timers_.begin()->first <= Clock::now()) {
      auto fn = std::move(timers_.begin()->second);
      timers_.erase(timers_.begin());
      fn();
      fired = true;
    }
    if (fired) continue;  // the timers may have queued D-Bus messages
    const auto now = Clock::now();
    if (now >= deadline) return;
    auto until = deadline;
    if (!timers_.empty()) until = std::min(until, timers_.begin()->first);
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(until - now).count();
    const auto poll_data = connection_->getEventLoopPollData();
    const int bus_timeout = poll_data.getPollTimeout();
    if (bus_timeout >= 0 && bus_timeout < wait) wait = bus_timeout;
    pollfd fd{poll_data.fd, poll_data.events, 0};
    if (::poll(&fd, 1, static_cast<int>(wait)) < 0) return;  // EINTR: let the caller see stop
  }
}

}  // namespace kotona::firmware_sim
