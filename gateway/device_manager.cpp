#include "gateway/device_manager.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <filesystem>
#include <system_error>

#include "core/log.h"
#include "gateway/refused_records.h"
#include "gateway/transport/hid/hid_link.h"
#include "gateway/transport/serial/serial_port.h"

namespace kotona::gateway {

namespace asio = boost::asio;
using transport::ByteLink;
using transport::SerialPort;

namespace {
constexpr std::string_view kLog = "devices";

HubTime now_ms() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// The only place the transports differ: after open() every ByteLink is driven the same way.
Result<std::unique_ptr<ByteLink>> open_link(const asio::any_io_executor& executor,
                                            const DeviceSpec& spec) {
  if (spec.transport == DeviceSpec::Transport::kHid) {
    auto link = transport::HidReportLink::open(executor, spec.path);
    if (!link) return fail(link.error());
    return std::unique_ptr<ByteLink>(std::move(*link));
  }
  auto port = SerialPort::open(executor, spec.path, spec.baud);
  if (!port) return fail(port.error());
  return std::unique_ptr<ByteLink>(std::move(*port));
}
}  // namespace

struct DeviceManager::Device {
  Device(asio::io_context& io, DeviceSpec s)
      : spec(std::move(s)), timer(io), retry_timer(io), watch_timer(io) {}
  std::string name() const { return std::string(spec.driver->name) + " at " + spec.path; }

  DeviceSpec spec;
  std::unique_ptr<ByteLink> port;  // a tty or a hidraw node (DeviceSpec::transport)
  std::unique_ptr<drivers::DeviceSession> session;
  asio::steady_timer timer;        // the session's on_timer()
  asio::steady_timer retry_timer;  // reopen while absent
  asio::steady_timer watch_timer;  // is the path still the opened device?
  std::uint64_t timer_generation = 0;
  std::uint64_t open_generation = 0;  // one per successful open
  std::string state = "absent";
  std::string serial;
  std::optional<HubTime> last_seen;
  bool gone_logged = false;  // "log once when it goes, once when it returns"
  std::vector<RefusedInfo> refused;  // records its driver refused (issue 13)
};

DeviceManager::DeviceManager(asio::io_context& io, GatewayId gateway, DeviceManagerHooks hooks,
                             Counters& counters)
    : io_(io), gateway_(std::move(gateway)), hooks_(std::move(hooks)), counters_(counters) {}

DeviceManager::~DeviceManager() {
  stop();
  *alive_ = false;
}

void DeviceManager::add(const DeviceSpec& spec) {
  KOTONA_CHECK(spec.driver != nullptr);
  devices_.push_back(std::make_unique<Device>(io_, spec));
  Device& device = *devices_.back();
  asio::co_spawn(io_, run(device), [name = device.name()](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {  // a bug: the loop itself catches nothing expected
      log_error(kLog, name + ": device loop ended: " + ex.what());
    }
  });
}

asio::awaitable<void> DeviceManager::run(Device& d) {
  auto alive = alive_;
  constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
  while (*alive && !stopping_) {
    auto port = open_link(io_.get_executor(), d.spec);
    if (port) {
      log_info(kLog, d.name() + (d.gone_logged ? " is back" : " opened"));
      d.gone_logged = false;
      d.state = "connected";
      d.port = std::move(*port);
      d.session = d.spec.driver->make_session(drivers::SessionContext{d.spec.path});
      if (!d.session) {
        log_error(kLog, d.name() + ": driver returned no session");
        d.state = "error";
      } else {
        execute(d, d.session->start());
        arm_watch(d, ++d.open_generation);
        while (true) {
          auto chunk = co_await d.port->read();
          if (!*alive) co_return;
          if (!chunk && d.port->state() == ByteLink::State::kOpen) {
            count_rejected(d, chunk.error());  // a malformed HID report: dropped, link stays
            continue;
          }
          if (!chunk) break;
          d.last_seen = now_ms();
          drivers::Input input{*d.last_seen, drivers::SerialBytes{std::move(*chunk)}};
          auto step = d.session->on_input(input);
          if (step) {
            execute(d, std::move(*step));
          } else {
            count_rejected(d, step.error());
          }
        }
        if (!stopping_) {
          log_warn(kLog, d.name() + " unplugged: " + d.port->last_error());
          counters_.add("device_unplugged");
          d.gone_logged = true;
          auto step = d.session->on_input(drivers::Input{now_ms(), drivers::Disconnected{}});
          if (step) execute(d, std::move(*step));
        }
        if (d.state == "connected") d.state = "absent";
      }
      arm_timer(d, std::nullopt);
      d.watch_timer.cancel();
      d.session.reset();
      d.port.reset();  // closes the file descriptor
    } else {
      if (!d.gone_logged) {
        log_warn(kLog, d.name() + " absent (" + port.error().detail + "); retrying every " +
                           std::to_string(retry_.count()) + " ms");
        d.gone_logged = true;
      }
      d.state = "absent";
    }
    if (stopping_) break;
    d.retry_timer.expires_after(retry_);
    co_await d.retry_timer.async_wait(kAsTuple);
    if (!*alive) co_return;
  }
}

void DeviceManager::execute(Device& d, drivers::Step step) {
  // (a) Readings first, in one transaction (invariant 1).
  bool committed = true;
  if (!step.readings.empty()) {
    for (auto& r : step.readings) finalize_reading(gateway_, r);
    auto result = hooks_.commit(step.readings);
    if (!result) {
      committed = false;
      counters_.add("outbox_commit_failed");
      log_error(kLog, d.name() + ": " + std::to_string(step.readings.size()) +
                          " readings not committed, device not acknowledged (it will re-send): " +
                          describe(result.error()));
    } else {
      counters_.add("readings_captured", step.readings.size());
      d.serial = step.readings.back().device.serial.value;
    }
  }
  // (b) Commands only after the commit: the device forgets a record once it is acknowledged.
  if (committed) {
    for (auto& command : step.commands) {
      if (auto* write = std::get_if<drivers::SerialWrite>(&command); write && d.port) {
        d.port->write(std::move(write->bytes));
      } else {
        counters_.add("device_unsupported_command");
        log_warn(kLog, d.name() + ": serial link cannot carry a GATT command; dropped");
      }
    }
  } else if (!step.commands.empty()) {
    counters_.add("device_commands_withheld", step.commands.size());
  }
  // (c) Rejected input: logged and counted, the session carries on. Refused records the device
  // was told it delivered (ACK sent) go to the heartbeat; uncommitted ones come again.
  for (const auto& error : step.rejected) count_rejected(d, error);
  if (committed) tally_refused(d.refused, step.refused_records, now_ms());
  // (d) The session's next timer.
  arm_timer(d, step.timer);
  if (committed && !step.readings.empty() && hooks_.on_committed) hooks_.on_committed();
  // (e) Not stored: the session answers the device at once (ASTM: NAK), so the meter keeps
  // the record without waiting out its reply timeout. That Step has no readings.
  if (!committed && d.session) {
    auto refusal = d.session->on_input(drivers::Input{now_ms(), drivers::CommitFailed{}});
    if (refusal && refusal->readings.empty()) execute(d, std::move(*refusal));
  }
}

void DeviceManager::count_rejected(Device& d, const Error& error) {
  counters_.add("device_rejected_" + std::string(to_string(error.code)));
  log_warn(kLog, d.name() + ": input rejected: " + describe(error));
}

void DeviceManager::arm_timer(Device& d, std::optional<std::chrono::milliseconds> after) {
  std::uint64_t generation = ++d.timer_generation;
  d.timer.cancel();
  if (!after || stopping_) return;
  d.timer.expires_after(*after);
  d.timer.async_wait([this, &d, generation, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive || stopping_ || generation != d.timer_generation || !d.session) return;
    execute(d, d.session->on_timer());
  });
}

void DeviceManager::arm_watch(Device& d, std::uint64_t open_generation) {
  d.watch_timer.expires_after(watch_);
  d.watch_timer.async_wait([this, &d, open_generation,
                            alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive || stopping_ || open_generation != d.open_generation || !d.port ||
        d.port->state() != ByteLink::State::kOpen) {
      return;
    }
    if (!d.port->is_path_current()) {
      // The pending read now fails and the device loop takes the unplug path.
      d.port->close_because(d.spec.path + " is gone or names another device now");
      return;
    }
    arm_watch(d, open_generation);
  });
}

bool DeviceManager::has_path(const std::string& path) const {
  std::error_code ec;
  const auto target = std::filesystem::canonical(path, ec);
  const bool resolved = !ec;
  for (const auto& d : devices_) {
    if (d->spec.path == path) return true;
    if (resolved && std::filesystem::canonical(d->spec.path, ec) == target && !ec) return true;
  }
  return false;
}

void DeviceManager::stop() {
  if (stopping_) return;
  stopping_ = true;
  for (auto& d : devices_) {
    d->timer.cancel();
    d->retry_timer.cancel();
    d->watch_timer.cancel();
    if (d->port) d->port->close();
  }
}

std::vector<DeviceStatusInfo> DeviceManager::statuses() const {
  std::vector<DeviceStatusInfo> out;
  for (const auto& d : devices_) {
    out.push_back(DeviceStatusInfo{d->serial, std::string(d->spec.driver->name), d->spec.path,
                                   d->state, d->last_seen, d->refused});
  }
  return out;
}

}  // namespace kotona::gateway
