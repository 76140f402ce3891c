#include "gateway/ble_devices.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdio>

#include "core/log.h"
#include "gateway/transport/ble/ble.h"
#include "gateway/refused_records.h"

namespace kotona::gateway {

namespace asio = boost::asio;
using transport::BleEvent;
using Kind = transport::BleEvent::Kind;

namespace {
constexpr std::string_view kLog = "ble";

HubTime now_ms() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// Until a reading or cursor names it: "ble-" + the address's hex digits (as drivers/gatt does).
std::string address_serial(const std::string& address) {
  std::string out = "ble-";
  for (char c : address) {
    if (c != ':') out.push_back(c);
  }
  return out;
}
}  // namespace

struct BleDevices::Device {
  Device(asio::io_context& io, std::string a, const drivers::DriverDescriptor* d)
      : address(std::move(a)), driver(d), timer(io), retry_timer(io) {}
  std::string name() const { return std::string(driver->name) + " at " + address; }

  std::string address;
  const drivers::DriverDescriptor* driver;
  std::unique_ptr<transport::BleLink> link;
  std::unique_ptr<drivers::DeviceSession> session;
  asio::steady_timer timer;        // the session's on_timer()
  asio::steady_timer retry_timer;  // reconnect
  std::uint64_t timer_generation = 0;
  std::string state = "absent";
  std::string serial;
  std::optional<HubTime> last_seen;
  bool ever_connected = false;
  bool gone_logged = false;   // "log once when it goes, once when it returns"
  bool needs_pairing = false;  // until a reading commits again
  std::vector<RefusedInfo> refused;  // records its driver refused (issue 13)
};

BleDevices::BleDevices(asio::io_context& io, GatewayId gateway, BleSettings settings,
                       BleHooks hooks, Counters& counters)
    : io_(io),
      gateway_(std::move(gateway)),
      settings_(std::move(settings)),
      hooks_(std::move(hooks)),
      counters_(counters),
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
    if (d->address == address) return;
  }
  const drivers::DriverDescriptor* driver = nullptr;
  for (const auto* d : settings_.drivers) {
    for (const auto& m : d->ble) {
      if (m.service_uuid16 == service && driver == nullptr) driver = d;
    }
  }
  if (driver == nullptr) return;
  devices_.push_back(std::make_unique<Device>(io_, address, driver));
  Device& device = *devices_.back();
  if (auto stored = hooks_.load_cursor(std::string(driver->name), address); stored && *stored) {
    device.serial = (*stored)->serial;
  }
  char uuid[8];
  std::snprintf(uuid, sizeof uuid, "0x%04X", service);
  log_info(kLog, device.name() + " found (service " + uuid + ")");
  counters_.add("ble_devices_found");
  asio::co_spawn(io_, run(device), [name = device.name()](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {  // a bug: the loop itself catches nothing expected
      log_error(kLog, name + ": device loop ended: " + ex.what());
    }
  });
}

asio::awaitable<void> BleDevices::run(Device& d) {
  auto alive = alive_;
  d.link = bus_->link(d.address);
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
  d.link->connect(settings_.connect_timeout, settings_.pair_new);
  while (true) {
    BleEvent e = co_await d.link->next_event();
    if (!*alive || stopping_) co_return;
    switch (e.kind) {
      case Kind::kConnected:
        log_info(kLog, d.name() + (d.ever_connected ? " connected again" : " connected"));
        d.ever_connected = true;
        d.gone_logged = false;
        d.state = d.needs_pairing ? "needs_pairing" : "connected";
        counters_.add("ble_connected");
        start_session(d);
        break;
      case Kind::kValue:
        d.last_seen = now_ms();
        if (d.session) feed(d, {*d.last_seen, drivers::GattValue{e.uuid16, std::move(e.bytes)}});
        break;
      case Kind::kFailed:
        if (e.uuid16 != 0) {
          if (d.session) feed(d, {now_ms(), drivers::GattFailed{e.uuid16, e.detail}});
          break;
        }
        if (e.detail == transport::kNotPaired) d.state = "not_paired";
        if (!d.gone_logged) {  // connecting failed: not advertising, out of range, unpaired
          log_info(kLog, d.name() + " not reachable: " + e.detail + "; retrying every " +
                             std::to_string(settings_.retry.count()) + " ms");
          d.gone_logged = true;
        }
        co_return;
      case Kind::kNeedsPairing:
        if (!d.needs_pairing) {
          log_warn(kLog, d.name() + " needs pairing again (" + e.detail + ")");
          counters_.add("ble_needs_pairing");
        }
        d.needs_pairing = true;
        d.state = "needs_pairing";
        if (e.uuid16 == 0) co_return;  // pairing refused while connecting
        break;
      case Kind::kDisconnected:
        if (d.session) {
          feed(d, {now_ms(), drivers::Disconnected{}});
          d.session.reset();
        }
        arm_timer(d, std::nullopt);
        log_info(kLog, d.name() + " disconnected (" + e.detail + ")");
        counters_.add("ble_disconnected");
        if (!d.needs_pairing) d.state = "absent";
        co_return;
    }
  }
}

void BleDevices::start_session(Device& d) {
  drivers::SessionContext context{d.address};
  auto stored = hooks_.load_cursor(std::string(d.driver->name), d.address);
  if (!stored) {
    // Without the cursor the device sends every record again; the outbox and the server keep
    // one of each (reading_uid), so nothing is lost.
    log_error(kLog, d.name() + ": cannot load the record cursor: " + describe(stored.error()));
    counters_.add("ble_cursor_load_failed");
  } else if (*stored) {
    context.cursor = drivers::RecordCursor{DeviceSerial{(*stored)->serial}, (*stored)->sequence,
                                           (*stored)->fingerprint};
  }
  d.session = d.driver->make_session(context);
  if (!d.session) {
    log_error(kLog, d.name() + ": driver returned no session");
    d.state = "error";
    d.link->disconnect();
    return;
  }
  execute(d, d.session->start());
}

void BleDevices::feed(Device& d, drivers::Input input) {
  auto step = d.session->on_input(input);
  if (step) {
    execute(d, std::move(*step));
  } else {
    count_rejected(d, step.error());
  }
}

bool BleDevices::execute(Device& d, drivers::Step step) {
  // (a) Readings and the cursor first, in one transaction (invariant 1).
  if (!step.readings.empty() || step.cursor) {
    for (auto& r : step.readings) finalize_reading(gateway_, r);
    std::optional<OutboxCursor> cursor;
    if (step.cursor) {
      cursor = OutboxCursor{std::string(d.driver->name), d.address, step.cursor->serial.value,
                            step.cursor->sequence, step.cursor->fingerprint};
    }
    auto result = hooks_.commit(step.readings, cursor);
    if (!result) {
      // The session believes these records are done; it must not go on. Dropping the link
      // makes the device send them again to a new session that starts from the stored cursor.
      counters_.add("outbox_commit_failed");
      counters_.add("device_commands_withheld", step.commands.size());
      log_error(kLog, d.name() + ": " + std::to_string(step.readings.size()) +
                          " readings not committed; dropping the link so the device sends them "
                          "again: " + describe(result.error()));
      for (const auto& error : step.rejected) count_rejected(d, error);
      arm_timer(d, std::nullopt);
      d.session.reset();
      d.link->disconnect();
      return false;
    }
    if (!step.readings.empty()) {
      counters_.add("readings_captured", step.readings.size());
      d.needs_pairing = false;
      d.state = "connected";
    }
    if (cursor) {
      d.serial = cursor->serial;
    } else if (!step.readings.empty()) {
      d.serial = step.readings.back().device.serial.value;
    }
  }
  // (b) Commands only after the commit: RACP and the device move on once told.
  for (auto& command : step.commands) {
    if (auto* read = std::get_if<drivers::GattRead>(&command)) {
      d.link->read(read->characteristic_uuid16);
    } else if (auto* write = std::get_if<drivers::GattWrite>(&command)) {
      d.link->write(write->characteristic_uuid16, std::move(write->bytes));
    } else if (auto* sub = std::get_if<drivers::GattSubscribe>(&command)) {
      d.link->subscribe(sub->characteristic_uuid16);
    } else {
      counters_.add("device_unsupported_command");
      log_warn(kLog, d.name() + ": a BLE link cannot carry serial bytes; dropped");
    }
  }
  // (c) Rejected input: logged and counted, the session carries on; refused records (committed
  // with the cursor past them: the device will not send them again) go to the heartbeat.
  // (d) Its next timer.
  for (const auto& error : step.rejected) count_rejected(d, error);
  tally_refused(d.refused, step.refused_records, now_ms());
  arm_timer(d, step.timer);
  if (!step.readings.empty() && hooks_.on_committed) hooks_.on_committed();
  return true;
}

void BleDevices::count_rejected(Device& d, const Error& error) {
  counters_.add("device_rejected_" + std::string(to_string(error.code)));
  log_warn(kLog, d.name() + ": input rejected: " + describe(error));
}

void BleDevices::arm_timer(Device& d, std::optional<std::chrono::milliseconds> after) {
  std::uint64_t generation = ++d.timer_generation;
  d.timer.cancel();
  if (!after || stopping_) return;
  d.timer.expires_after(*after);
  d.timer.async_wait([this, &d, generation, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive || stopping_ || generation != d.timer_generation || !d.session) return;
    execute(d, d.session->on_timer());
  });
}

void BleDevices::stop() {
  if (stopping_) return;
  stopping_ = true;
  open_timer_.cancel();
  rescan_timer_.cancel();
  for (auto& d : devices_) {
    d->timer.cancel();
    d->retry_timer.cancel();
    if (d->link) d->link->close();
  }
  if (bus_) bus_->stop_watching();
}

std::vector<DeviceStatusInfo> BleDevices::statuses() const {
  std::vector<DeviceStatusInfo> out;
  for (const auto& d : devices_) {
    out.push_back(DeviceStatusInfo{d->serial.empty() ? address_serial(d->address) : d->serial,
                                   std::string(d->driver->name), d->address, d->state,
                                   d->last_seen, d->refused});
  }
  return out;
}

}  // namespace kotona::gateway
