#include "gateway/serial_devices.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <system_error>

#include "core/log.h"
#include "gateway/transport/hid/hid_link.h"
#include "gateway/transport/serial/serial_port.h"

namespace kotona::gateway {

namespace asio = boost::asio;
using transport::ByteLink;
using transport::SerialPort;

namespace {
constexpr std::string_view kLog = "devices";

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

// The class of a failed open of a path that is there, for the heartbeat (DeviceStatus.error):
// the server names it in the person's language. The transports report the OS's text (the
// hub runs in the C locale), so the class is read from it.
std::string open_error_class(std::string_view detail) {
  if (detail.find("Permission denied") != std::string_view::npos ||
      detail.find("Operation not permitted") != std::string_view::npos) {
    return "no_permission";
  }
  if (detail.starts_with("configure ") ||
      detail.find("Inappropriate ioctl") != std::string_view::npos) {
    return "not_serial";
  }
  return "open_failed";
}
}  // namespace

// A wired device: its port and the session running over it.
struct SerialDevices::Device final : DeviceLink {
  Device(asio::io_context& io, DeviceSpec s)
      : spec(std::move(s)),
        run(io, *spec.driver, spec.path, *this),
        retry_timer(io),
        watch_timer(io) {}

  bool carry(drivers::Command& command) override {
    auto* write = std::get_if<drivers::SerialWrite>(&command);
    if (write == nullptr || !port) return false;
    port->write(std::move(write->bytes));
    return true;
  }
  std::optional<drivers::Step> on_commit_failed() override {
    if (!run.session) return std::nullopt;
    auto refusal = run.session->on_input(drivers::Input{hub_now(), drivers::CommitFailed{}});
    if (!refusal) return std::nullopt;
    return std::move(*refusal);
  }
  void on_readings_committed() override {}

  DeviceSpec spec;
  SessionRun run;
  std::unique_ptr<ByteLink> port;     // a tty or a hidraw node (DeviceSpec::transport)
  asio::steady_timer retry_timer;     // reopen while absent
  asio::steady_timer watch_timer;     // is the path still the opened device?
  std::uint64_t open_generation = 0;  // one per successful open
  bool gone_logged = false;           // "log once when it goes, once when it returns"
  std::string open_error;             // the open failure last logged (one line per reason)
};

SerialDevices::SerialDevices(asio::io_context& io, GatewayId gateway, StepHooks hooks,
                             Counters& counters)
    : io_(io),
      counters_(counters),
      runner_(std::move(gateway), std::move(hooks), counters),
      scan_timer_(io) {}

SerialDevices::~SerialDevices() {
  stop();
  *alive_ = false;
}

void SerialDevices::add(const DeviceSpec& spec) {
  KOTONA_CHECK(spec.driver != nullptr);
  devices_.push_back(std::make_unique<Device>(io_, spec));
  Device& device = *devices_.back();
  spawn_device_loop(io_, run(device), device.run.name());
}

void SerialDevices::watch(std::unique_ptr<PortSource> source) {
  if (!source->is_useful() || stopping_) return;
  log_info(kLog, "watching " + source->watched());
  sources_.push_back(std::move(source));
  scan(*sources_.back());
  if (sources_.size() == 1) arm_scan();
}

void SerialDevices::scan(PortSource& source) {
  for (auto& found : source.scan([this](const std::string& p) { return has_path(p); })) {
    log_info(kLog, "found " + found.what + " at " + found.spec.path + " (driver " +
                       std::string(found.spec.driver->name) + ")");
    add(found.spec);
  }
}

void SerialDevices::arm_scan() {
  scan_timer_.expires_after(scan_);
  scan_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive || stopping_) return;
    for (auto& source : sources_) scan(*source);
    arm_scan();
  });
}

asio::awaitable<void> SerialDevices::run(Device& d) {
  auto alive = alive_;
  while (*alive && !stopping_) {
    auto port = open_link(io_.get_executor(), d.spec);
    if (port) {
      log_info(kLog, d.run.name() + (d.gone_logged ? " is back" : " opened"));
      d.gone_logged = false;
      d.open_error.clear();
      d.run.state = "connected";
      d.port = std::move(*port);
      co_await serve(d);
      if (!*alive) co_return;
      runner_.arm_timer(d.run, std::nullopt);
      d.watch_timer.cancel();
      d.run.session.reset();
      d.port.reset();  // closes the file descriptor
    } else {
      note_open_failed(d, port.error().detail);
    }
    if (stopping_) break;
    d.retry_timer.expires_after(retry_);
    co_await d.retry_timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!*alive) co_return;
  }
}

// A path that is not there is "absent" (a meter unplugged, logged once). A path that is there
// but cannot be opened (no permission: the hub's user not in the device's group, a node that
// is not a tty) is "error": the meter is plugged in and nothing reads it, which the person
// setting up the hub must hear. Each new reason is logged and counted once, not every retry.
void SerialDevices::note_open_failed(Device& d, const std::string& why) {
  std::error_code ec;
  const bool present = std::filesystem::exists(d.spec.path, ec);
  if (why != d.open_error) {
    if (present) {
      log_warn(kLog, d.run.name() + " is there but cannot be opened (" + why +
                         "); retrying every " + std::to_string(retry_.count()) + " ms");
      counters_.add("device_open_failed");
    } else if (!d.gone_logged) {
      log_warn(kLog, d.run.name() + " absent (" + why + "); retrying every " +
                         std::to_string(retry_.count()) + " ms");
    }
    d.open_error = why;
  }
  d.gone_logged = true;
  if (present) {
    d.run.fail(open_error_class(why), hub_now());
  } else {
    d.run.state = "absent";
  }
}

// The session over one open port, until the port fails or is closed.
asio::awaitable<void> SerialDevices::serve(Device& d) {
  auto alive = alive_;
  d.run.session = d.spec.driver->make_session(drivers::SessionContext{d.spec.path});
  if (!d.run.session) {
    log_error(kLog, d.run.name() + ": driver returned no session");
    d.run.fail("no_session", hub_now());
    co_return;
  }
  runner_.execute(d.run, d.run.session->start());
  arm_watch(d, ++d.open_generation);
  while (true) {
    auto chunk = co_await d.port->read();
    if (!*alive) co_return;
    if (!chunk && d.port->state() == ByteLink::State::kOpen) {
      runner_.count_rejected(d.run, chunk.error());  // a malformed HID report: link stays
      continue;
    }
    if (!chunk) break;
    d.run.last_seen = hub_now();
    runner_.feed(d.run, drivers::Input{*d.run.last_seen, drivers::SerialBytes{std::move(*chunk)}});
  }
  if (!stopping_) {
    log_warn(kLog, d.run.name() + " unplugged: " + d.port->last_error());
    counters_.add("device_unplugged");
    d.gone_logged = true;
    auto step = d.run.session->on_input(drivers::Input{hub_now(), drivers::Disconnected{}});
    if (step) runner_.execute(d.run, std::move(*step));
  }
  if (d.run.state == "connected") d.run.state = "absent";
}

void SerialDevices::arm_watch(Device& d, std::uint64_t open_generation) {
  d.watch_timer.expires_after(watch_);
  d.watch_timer.async_wait(
      [this, &d, open_generation, alive = alive_](boost::system::error_code ec) {
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

bool SerialDevices::has_path(const std::string& path) const {
  std::error_code ec;
  const auto target = std::filesystem::canonical(path, ec);
  const bool resolved = !ec;
  for (const auto& d : devices_) {
    if (d->spec.path == path) return true;
    if (resolved && std::filesystem::canonical(d->spec.path, ec) == target && !ec) return true;
  }
  return false;
}

void SerialDevices::stop() {
  if (stopping_) return;
  stopping_ = true;
  runner_.stop();
  scan_timer_.cancel();
  for (auto& d : devices_) {
    d->run.timer.cancel();
    d->retry_timer.cancel();
    d->watch_timer.cancel();
    if (d->port) d->port->close();
  }
}

std::vector<wire::DeviceStatus> SerialDevices::statuses() const {
  std::vector<wire::DeviceStatus> out;
  for (const auto& d : devices_) out.push_back(d->run.status());
  return out;
}

}  // namespace kotona::gateway
