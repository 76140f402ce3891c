#include "gateway/ble_devices.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>

#include "core/log.h"
#include "gateway/transport/ble/ble.h"

namespace kotona::gateway {

namespace asio = boost::asio;
using transport::BleEvent;
using Kind = transport::BleEvent::Kind;

namespace {
constexpr std::string_view kLog = "ble";

// Until a reading or cursor names it: "ble-" + the address's hex digits (as drivers/gatt does).
std::string address_serial(const std::string& address) {
  std::string out = "ble-";
  for (char c : address) {
    if (c != ':') out.push_back(c);
  }
  return out;
}
}  // namespace

// A BLE device: its link and the session running over it.
struct BleDevices::Device final : DeviceLink {
  Device(asio::io_context& io, std::string address, const drivers::DriverDescriptor& driver)
      : run(io, driver, std::move(address), *this), retry_timer(io) {}

  bool carry(drivers::Command& command) override {
    if (auto* read = std::get_if<drivers::GattRead>(&command)) {
      link->read(read->characteristic_uuid16);
    } else if (auto* write = std::get_if<drivers::GattWrite>(&command)) {
      link->write(write->characteristic_uuid16, std::move(write->bytes));
    } else if (auto* sub = std::get_if<drivers::GattSubscribe>(&command)) {
      link->subscribe(sub->characteristic_uuid16);
    } else {
      return false;
    }
    return true;
  }
  // The session believes these records are done; it must not go on. Dropping the link makes
  // the device send them again to a new session that starts from the stored cursor.
  std::optional<drivers::Step> on_commit_failed() override {
    run.session.reset();
    link->disconnect();
    return std::nullopt;
  }
  void on_readings_committed() override {
    needs_pairing = false;
    run.state = "connected";
  }
  const std::string& address() const { return run.where; }

  SessionRun run;
  std::unique_ptr<transport::BleLink> link;
  asio::steady_timer retry_timer;  // reconnect
  bool ever_connected = false;
  bool gone_logged = false;    // "log once when it goes, once when it returns"
  bool needs_pairing = false;  // until a reading commits again
};

BleDevices::BleDevices(asio::io_context& io, GatewayId gateway, BleSettings settings,
                       BleHooks hooks, Counters& counters)
    : io_(io),
      settings_(std::move(settings)),
      load_cursor_(std::move(hooks.load_cursor)),
      counters_(counters),
      runner_(std::move(gateway), StepHooks{std::move(hooks.commit), std::move(hooks.on_committed)},
              counters),
      open_timer_(io),
      rescan_timer_(io) {}

BleDevices::~BleDevices() {
  stop();
  *alive_ = false;
}

void BleDevices::start() { open_bus(); }

void BleDevices::open_bus() {
  if (stopping_) return;
  auto bus = transport::BleBus::open(io_.get_executor(), settings_.bus_address, settings_.adapter);
  if (!bus) {
    if (!open_failed_logged_) {
      log_error(kLog, "cannot open BlueZ's bus (" + describe(bus.error()) + "); retrying every " +
                          std::to_string(settings_.retry.count()) + " ms");
      open_failed_logged_ = true;
    }
    open_timer_.expires_after(settings_.retry);
    open_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
      if (!ec && *alive) open_bus();
    });
    return;
  }
  bus_ = std::move(*bus);
  std::vector<std::uint16_t> services;
  for (const auto* d : settings_.drivers) {
    for (const auto& m : d->ble) services.push_back(m.service_uuid16);
  }
  log_info(kLog, "BLE on adapter " + settings_.adapter + " (" +
                     (settings_.bus_address.empty() ? "system bus" : settings_.bus_address) +
                     "), watching " + std::to_string(services.size()) + " services");
  bus_->set_discovery_filter(services);
  watch();
  arm_rescan();
}

std::chrono::steady_clock::time_point BleDevices::open_pairing_window(std::chrono::seconds length) {
  pair_until_ = std::chrono::steady_clock::now() + length;
  counters_.add("ble_pairing_windows");
  log_info(kLog, "pairing window open for " + std::to_string(length.count()) + " s");
  return pair_until_;
}

bool BleDevices::is_pairing() const {
  return settings_.pair_new || std::chrono::steady_clock::now() < pair_until_;
}

void BleDevices::watch() {
  bus_->watch([this, alive = alive_](const std::string& address, std::uint16_t service) {
    if (*alive) on_found(address, service);
  });
}

void BleDevices::arm_rescan() {
  rescan_timer_.expires_after(settings_.rescan);
  rescan_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive || stopping_) return;
    if (!devices_.empty()) return;  // BlueZ answers: discovery runs, InterfacesAdded arrive
    bus_->stop_watching();
    watch();
    arm_rescan();
  });
}

void BleDevices::on_found(const std::string& address, std::uint16_t service) {
  if (stopping_) return;
  for (const auto& d : devices_) {
    if (d->address() == address) return;
  }
  const drivers::DriverDescriptor* driver = nullptr;
  for (const auto* d : settings_.drivers) {
    for (const auto& m : d->ble) {
      if (m.service_uuid16 == service && driver == nullptr) driver = d;
    }
  }
  if (driver == nullptr) return;
  devices_.push_back(std::make_unique<Device>(io_, address, *driver));
  Device& device = *devices_.back();
  if (auto stored = load_cursor_(std::string(driver->name), address); stored && *stored) {
    device.run.serial = (*stored)->serial;
  }
  char uuid[8];
  std::snprintf(uuid, sizeof uuid, "0x%04X", service);
  log_info(kLog, device.run.name() + " found (service " + uuid + ")");
  counters_.add("ble_devices_found");
  spawn_device_loop(io_, run(device), device.run.name());
}

asio::awaitable<void> BleDevices::run(Device& d) {
  auto alive = alive_;
  d.link = bus_->link(d.address());
  while (*alive && !stopping_) {
    co_await serve(d);
    if (!*alive || stopping_) co_return;
    d.retry_timer.expires_after(settings_.retry);
    co_await d.retry_timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

// One connection attempt and, when it succeeds, the session until the link drops.
asio::awaitable<void> BleDevices::serve(Device& d) {
  auto alive = alive_;
  d.link->connect(settings_.connect_timeout, is_pairing());
  while (true) {
    BleEvent e = co_await d.link->next_event();
    if (!*alive || stopping_) co_return;
    switch (e.kind) {
      case Kind::kConnected:
        log_info(kLog, d.run.name() + (d.ever_connected ? " connected again" : " connected"));
        d.ever_connected = true;
        d.gone_logged = false;
        d.run.state = d.needs_pairing ? "needs_pairing" : "connected";
        counters_.add("ble_connected");
        start_session(d);
        break;
      case Kind::kValue:
        d.run.last_seen = hub_now();
        if (d.run.session) {
          runner_.feed(d.run, {*d.run.last_seen, drivers::GattValue{e.uuid16, std::move(e.bytes)}});
        }
        break;
      case Kind::kFailed:
        if (e.uuid16 != 0) {
          if (d.run.session)
            runner_.feed(d.run, {hub_now(), drivers::GattFailed{e.uuid16, e.detail}});
          break;
        }
        if (e.detail == transport::kNotPaired) d.run.state = "not_paired";
        if (!d.gone_logged) {  // connecting failed: not advertising, out of range, unpaired
          log_info(kLog, d.run.name() + " not reachable: " + e.detail + "; retrying every " +
                             std::to_string(settings_.retry.count()) + " ms");
          d.gone_logged = true;
        }
        co_return;
      case Kind::kNeedsPairing:
        if (!d.needs_pairing) {
          log_warn(kLog, d.run.name() + " needs pairing again (" + e.detail + ")");
          counters_.add("ble_needs_pairing");
        }
        d.needs_pairing = true;
        d.run.state = "needs_pairing";
        if (e.uuid16 == 0) co_return;  // pairing refused while connecting
        break;
      case Kind::kDisconnected:
        if (d.run.session) {
          runner_.feed(d.run, {hub_now(), drivers::Disconnected{}});
          d.run.session.reset();
        }
        runner_.arm_timer(d.run, std::nullopt);
        log_info(kLog, d.run.name() + " disconnected (" + e.detail + ")");
        counters_.add("ble_disconnected");
        if (!d.needs_pairing) d.run.state = "absent";
        co_return;
    }
  }
}

void BleDevices::start_session(Device& d) {
  drivers::SessionContext context{d.address()};
  auto stored = load_cursor_(std::string(d.run.driver.name), d.address());
  if (!stored) {
    // Without the cursor the device sends every record again; the outbox and the server keep
    // one of each (reading_uid), so nothing is lost.
    log_error(kLog, d.run.name() + ": cannot load the record cursor: " + describe(stored.error()));
    counters_.add("ble_cursor_load_failed");
  } else if (*stored) {
    context.cursor = drivers::RecordCursor{DeviceSerial{(*stored)->serial}, (*stored)->sequence,
                                           (*stored)->fingerprint};
  }
  d.run.session = d.run.driver.make_session(context);
  if (!d.run.session) {
    log_error(kLog, d.run.name() + ": driver returned no session");
    d.run.fail("no_session", hub_now());
    d.link->disconnect();
    return;
  }
  runner_.execute(d.run, d.run.session->start());
}

void BleDevices::stop() {
  if (stopping_) return;
  stopping_ = true;
  runner_.stop();
  open_timer_.cancel();
  rescan_timer_.cancel();
  for (auto& d : devices_) {
    d->run.timer.cancel();
    d->retry_timer.cancel();
    if (d->link) d->link->close();
  }
  if (bus_) bus_->stop_watching();
}

std::vector<wire::DeviceStatus> BleDevices::statuses() const {
  std::vector<wire::DeviceStatus> out;
  for (const auto& d : devices_) {
    auto status = d->run.status();
    if (status.serial.empty()) status.serial = address_serial(d->address());
    out.push_back(std::move(status));
  }
  return out;
}

}  // namespace kotona::gateway
