// SerialDevices: one coroutine per wired device (a tty, or a USB HID meter's hidraw node),
// configured or discovered. Opens the port (retrying every second while absent), watches that
// its path still names the opened device (every 500 ms: a pulled or re-plugged device is
// closed and reopened) and feeds bytes to the driver's sans-IO session; its StepRunner carries
// out each Step in invariant 1's order. The BLE side is BleDevices. Runs on the gateway's
// io_context thread only; not thread-safe.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "core/counters.h"
#include "core/reading.h"
#include "core/result.h"
#include "drivers/api/session.h"
#include "gateway/config.h"
#include "gateway/port_source.h"
#include "gateway/step_runner.h"
#include "proto/codec/wire.h"

namespace kotona::gateway {

class SerialDevices {
 public:
  // REQUIRES: `io` and `counters` outlive this object; hooks.commit is set.
  SerialDevices(boost::asio::io_context& io, GatewayId gateway, StepHooks hooks,
                Counters& counters);
  ~SerialDevices();
  SerialDevices(const SerialDevices&) = delete;
  SerialDevices& operator=(const SerialDevices&) = delete;

  // Starts the device's coroutine. REQUIRES: spec.driver != nullptr.
  void add(const DeviceSpec& spec);
  // Scans `source` now and then every 500 ms, adding each device it finds that no added device
  // has the path of (has_path). A source no driver can use is dropped.
  void watch(std::unique_ptr<PortSource> source);
  // True when a device with this path was added, or one whose path names the same file now
  // (symlinks resolved): a by-id link to a tty already configured as /dev/ttyUSB0.
  bool has_path(const std::string& path) const;
  // Closes every port and cancels every timer; the coroutines end. Idempotent.
  void stop();
  // One entry per configured device, for GatewayStatus.
  std::vector<wire::DeviceStatus> statuses() const;

  // How long to wait before reopening an absent port (1 s in production).
  void set_retry_interval_for_test(std::chrono::milliseconds interval) { retry_ = interval; }
  // How often an open port's path is checked (500 ms in production).
  void set_watch_interval_for_test(std::chrono::milliseconds interval) { watch_ = interval; }
  // How often the watched sources are scanned (500 ms in production).
  void set_scan_interval_for_test(std::chrono::milliseconds interval) { scan_ = interval; }

 private:
  struct Device;
  boost::asio::awaitable<void> run(Device& device);
  boost::asio::awaitable<void> serve(Device& device);
  void arm_watch(Device& device, std::uint64_t open_generation);
  void note_open_failed(Device& device, const std::string& why);
  void scan(PortSource& source);
  void arm_scan();

  boost::asio::io_context& io_;
  Counters& counters_;
  StepRunner runner_;
  std::chrono::milliseconds retry_{1000};
  std::chrono::milliseconds watch_{500};
  std::chrono::milliseconds scan_{500};
  std::vector<std::unique_ptr<Device>> devices_;
  std::vector<std::unique_ptr<PortSource>> sources_;
  boost::asio::steady_timer scan_timer_;
  bool stopping_ = false;
  // Checked by the watch handlers and coroutines after each wait; this object and each
  // pending handler are the owners.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kotona::gateway
