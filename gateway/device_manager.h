// DeviceManager: one coroutine per serial device (configured or discovered). Opens the port
// (retrying every second while absent), watches that its path still names the opened device
// (every 500 ms: a pulled or re-plugged device is closed and reopened), feeds bytes to the
// driver's sans-IO session and carries out each Step in the order invariant 1 needs: commit
// readings, then commands, then count rejects, then arm the timer. Runs on the gateway's
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
#include "gateway/status_types.h"

namespace kotona::gateway {

struct DeviceManagerHooks {
  // Stores finalized readings in ONE transaction (the outbox). An error means nothing was
  // stored: the Step's commands are then withheld so the device sends the record again.
  std::function<Result<void>(std::span<const Reading>)> commit;
  // Called after a successful commit of at least one reading (pokes the uplink).
  std::function<void()> on_committed;
};

class DeviceManager {
 public:
  // REQUIRES: `io` and `counters` outlive this object; hooks.commit is set.
  DeviceManager(boost::asio::io_context& io, GatewayId gateway, DeviceManagerHooks hooks,
                Counters& counters);
  ~DeviceManager();
  DeviceManager(const DeviceManager&) = delete;
  DeviceManager& operator=(const DeviceManager&) = delete;

  // Starts the device's coroutine. REQUIRES: spec.driver != nullptr.
  void add(const DeviceSpec& spec);
  // True when a device with this path was added, or one whose path names the same file now
  // (symlinks resolved): a by-id link to a tty already configured as /dev/ttyUSB0.
  bool has_path(const std::string& path) const;
  // Closes every port and cancels every timer; the coroutines end. Idempotent.
  void stop();
  // One entry per configured device, for GatewayStatus.
  std::vector<DeviceStatusInfo> statuses() const;

  // How long to wait before reopening an absent port (1 s in production).
  void set_retry_interval_for_test(std::chrono::milliseconds interval) { retry_ = interval; }
  // How often an open port's path is checked (500 ms in production).
  void set_watch_interval_for_test(std::chrono::milliseconds interval) { watch_ = interval; }

 private:
  struct Device;
  boost::asio::awaitable<void> run(Device& device);
  void execute(Device& device, drivers::Step step);
  void count_rejected(Device& device, const Error& error);
  void arm_timer(Device& device, std::optional<std::chrono::milliseconds> after);
  void arm_watch(Device& device, std::uint64_t open_generation);

  boost::asio::io_context& io_;
  GatewayId gateway_;
  DeviceManagerHooks hooks_;
  Counters& counters_;
  std::chrono::milliseconds retry_{1000};
  std::chrono::milliseconds watch_{500};
  std::vector<std::unique_ptr<Device>> devices_;
  bool stopping_ = false;
  // Checked by timer handlers and coroutines after each wait; this object and each pending
  // handler are the owners.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kotona::gateway
