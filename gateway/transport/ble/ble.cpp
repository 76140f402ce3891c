// BleBus: the D-Bus connection, pumped from Asio, plus discovery (see ble.h).
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cstdio>

#include "core/log.h"
#include "gateway/transport/ble/ble_internal.h"

namespace kotona::gateway::transport {

namespace asio = boost::asio;

namespace {
constexpr std::string_view kLog = "ble";
}

std::string ble_uuid128(std::uint16_t uuid16) {
  char text[40];
  std::snprintf(text, sizeof text, "0000%04x-0000-1000-8000-00805f9b34fb", uuid16);
  return text;
}

std::uint16_t ble_uuid16(const std::string& text) {
  static const std::string kBase = "-0000-1000-8000-00805f9b34fb";
  if (text.size() != 36 || text.compare(0, 4, "0000") != 0) return 0;
  std::string tail = text.substr(8);
  std::transform(tail.begin(), tail.end(), tail.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (tail != kBase) return 0;
  unsigned value = 0;
  for (char c : text.substr(4, 4)) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return 0;
    value = value * 16 + static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(c))
                                                   ? c - '0'
                                                   : std::tolower(c) - 'a' + 10);
  }
  return static_cast<std::uint16_t>(value);
}

Result<std::unique_ptr<BleBus>> BleBus::open(const asio::any_io_executor& executor,
                                             const std::string& bus_address,
                                             const std::string& adapter) {
  auto impl = std::make_unique<Impl>();
  impl->executor = executor;
  impl->adapter_path = "/org/bluez/" + adapter;
  try {
    impl->connection = bus_address.empty()
                           ? sdbus::createSystemBusConnection()
                           : sdbus::createSessionBusConnectionWithAddress(bus_address);
    const int fd = ::dup(impl->connection->getEventLoopPollData().fd);
    if (fd < 0) return fail(Errc::kIo, "D-Bus: dup of the bus socket failed");
    impl->fd.emplace(executor, fd);
    impl->timer.emplace(executor);
    impl->root = sdbus::createProxy(*impl->connection, kBluez, "/");
    impl->adapter = sdbus::createProxy(*impl->connection, kBluez, impl->adapter_path);
    Impl* raw = impl.get();
    impl->interfaces_match = impl->connection->addMatch(
        "type='signal',sender='org.bluez',interface='org.freedesktop.DBus.ObjectManager'",
        [raw](sdbus::Message& m) {
          sdbus::ObjectPath path;
          if (m.getMemberName() == "InterfacesAdded") {
            std::map<std::string, Variants> ifs;
            m >> path >> ifs;
            raw->on_interfaces_added(path, ifs);
          } else if (m.getMemberName() == "InterfacesRemoved") {
            std::vector<std::string> ifs;
            m >> path >> ifs;
            raw->on_interfaces_removed(path, ifs);
          }
        });
  } catch (const sdbus::Error& e) {
    return fail(Errc::kIo, "D-Bus " + (bus_address.empty() ? "system bus" : bus_address) + ": " +
                               e.getName() + " " + e.getMessage());
  }
  impl->schedule();
  return std::unique_ptr<BleBus>(new BleBus(std::move(impl)));
}

BleBus::BleBus(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

BleBus::~BleBus() {
  *impl_->alive = false;
  if (impl_->discovering) impl_->set_discovering(false);
  boost::system::error_code ec;
  impl_->fd->close(ec);
  impl_->timer->cancel();
}

const std::string& BleBus::adapter_path() const { return impl_->adapter_path; }

std::unique_ptr<BleLink> BleBus::link(const std::string& address) {
  return std::make_unique<BleLink>(std::make_shared<BleLink::State>(*impl_, address));
}

void BleBus::set_discovery_filter(std::vector<std::uint16_t> services) {
  impl_->filter = std::move(services);
}

void BleBus::watch(std::function<void(const std::string&, std::uint16_t)> on_found) {
  impl_->on_found = std::move(on_found);
  impl_->acquire_discovery();
  // Devices BlueZ already knows (bonded ones are loaded from its storage at start).
  try {
    impl_->root->callMethodAsync("GetManagedObjects")
        .onInterface(kObjectManager)
        .uponReplyInvoke([raw = impl_.get()](const sdbus::Error* e, const ManagedObjects& all) {
          if (e != nullptr) return log_warn(kLog, "GetManagedObjects: " + e->getMessage());
          for (const auto& [path, ifs] : all) {
            if (auto it = ifs.find(kDevice1); it != ifs.end()) raw->report_if_wanted(it->second);
          }
        });
  } catch (const sdbus::Error& e) {
    log_warn(kLog, "GetManagedObjects: " + e.getMessage());
  }
  impl_->schedule();
}

void BleBus::stop_watching() {
  if (!impl_->on_found) return;
  impl_->on_found = nullptr;
  impl_->release_discovery();
}

// --- Impl ------------------------------------------------------------------------------------

std::string BleBus::Impl::device_path(const std::string& address) const {
  std::string a = address;
  std::replace(a.begin(), a.end(), ':', '_');
  std::transform(a.begin(), a.end(), a.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return adapter_path + "/dev_" + a;
}

void BleBus::Impl::schedule() {
  if (pump_posted) return;
  pump_posted = true;
  asio::post(executor, [this, alive = alive] {
    if (!*alive) return;
    pump_posted = false;
    pump();
  });
}

void BleBus::Impl::pump() {
  try {
    while (connection->processPendingRequest()) {
    }
  } catch (const sdbus::Error& e) {
    log_warn(kLog, "D-Bus: " + e.getName() + " " + e.getMessage());
  } catch (const std::exception& e) {  // a handler's bad message (sdbus type mismatch)
    log_warn(kLog, std::string("D-Bus message skipped: ") + e.what());
  }
  arm();
}

void BleBus::Impl::arm() {
  sdbus::IConnection::PollData poll_data{};
  try {
    poll_data = connection->getEventLoopPollData();
  } catch (const sdbus::Error& e) {
    log_error(kLog, "D-Bus: " + e.getMessage());
    return;
  }
  if (!read_waiting) {
    read_waiting = true;
    fd->async_wait(asio::posix::stream_descriptor::wait_read,
                   [this, alive = alive](boost::system::error_code ec) {
                     if (!*alive) return;
                     read_waiting = false;
                     if (!ec) pump();
                   });
  }
  if ((poll_data.events & POLLOUT) != 0 && !write_waiting) {
    write_waiting = true;
    fd->async_wait(asio::posix::stream_descriptor::wait_write,
                   [this, alive = alive](boost::system::error_code ec) {
                     if (!*alive) return;
                     write_waiting = false;
                     if (!ec) pump();
                   });
  }
  const auto relative = poll_data.getRelativeTimeout();
  timer->expires_after(relative ? std::chrono::duration_cast<std::chrono::milliseconds>(*relative) +
                                      std::chrono::milliseconds(1)
                                : std::chrono::hours(24));
  timer->async_wait([this, alive = alive](boost::system::error_code ec) {
    if (!*alive || ec) return;
    pump();
  });
}

void BleBus::Impl::acquire_discovery() {
  if (discovery_users++ == 0) set_discovering(true);
}

void BleBus::Impl::release_discovery() {
  if (discovery_users > 0 && --discovery_users == 0) set_discovering(false);
}

void BleBus::Impl::set_discovering(bool on) {
  discovering = on;
  try {
    if (on) {
      std::vector<std::string> uuids;
      for (auto s : filter) uuids.push_back(ble_uuid128(s));
      Variants f{{"Transport", sdbus::Variant(std::string("le"))}};
      if (!uuids.empty()) f["UUIDs"] = sdbus::Variant(uuids);
      adapter->callMethodAsync("SetDiscoveryFilter")
          .onInterface(kAdapter1)
          .withArguments(f)
          .uponReplyInvoke([](const sdbus::Error* e) {
            if (e != nullptr) log_warn(kLog, "SetDiscoveryFilter: " + e->getMessage());
          });
    }
    adapter->callMethodAsync(on ? "StartDiscovery" : "StopDiscovery")
        .onInterface(kAdapter1)
        .uponReplyInvoke([on](const sdbus::Error* e) {
          if (e != nullptr && e->getName() != "org.bluez.Error.InProgress") {
            log_warn(kLog, std::string(on ? "StartDiscovery: " : "StopDiscovery: ") +
                               e->getName() + " " + e->getMessage());
          }
        });
    log_info(kLog, std::string("discovery ") + (on ? "on" : "off"));
  } catch (const sdbus::Error& e) {
    log_warn(kLog, "discovery: " + e.getName() + " " + e.getMessage());
  }
  schedule();
}

void BleBus::Impl::report_if_wanted(const Variants& device) {
  if (!on_found) return;
  try {
    auto address = device.at("Address").get<std::string>();
    auto uuids = device.count("UUIDs") ? device.at("UUIDs").get<std::vector<std::string>>()
                                       : std::vector<std::string>{};
    for (const auto& u : uuids) {
      const auto s = ble_uuid16(u);
      if (std::find(filter.begin(), filter.end(), s) != filter.end()) return on_found(address, s);
    }
  } catch (const std::exception& e) {  // missing Address or a wrong type: not a device we want
    log_debug(kLog, std::string("device skipped: ") + e.what());
  }
}

void BleBus::Impl::on_interfaces_added(const std::string& path,
                                       const std::map<std::string, Variants>& ifs) {
  auto it = ifs.find(kDevice1);
  if (it == ifs.end()) return;
  report_if_wanted(it->second);
  if (auto link = links.find(path); link != links.end()) link->second->found(it->second);
}

void BleBus::Impl::on_interfaces_removed(const std::string& path,
                                         const std::vector<std::string>& ifs) {
  if (std::find(ifs.begin(), ifs.end(), kDevice1) == ifs.end()) return;
  if (auto link = links.find(path); link != links.end()) {
    link->second->paired = false;
    link->second->lost("device removed from BlueZ");
  }
}

}  // namespace kotona::gateway::transport
