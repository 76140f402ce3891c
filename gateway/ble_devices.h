// BleDevices: the gateway's BLE side. Opens BlueZ's D-Bus (the system bus, or a private bus in
// tests), discovers devices offering a service of a registered BLE driver, and runs one
// coroutine per device: connect (pair if needed) and the driver's sans-IO session over the
// link; its StepRunner carries out every Step in invariant 1's order (readings AND the
// RecordCursor in one outbox transaction, then the commands; a failed commit drops the link).
// Reconnects after a link loss; a lost bond is the device state "needs_pairing" (GatewayStatus).
// Gateway io_context thread only; not thread-safe.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/counters.h"
#include "core/reading.h"
#include "core/result.h"
#include "drivers/api/descriptor.h"
#include "gateway/outbox/outbox.h"
#include "gateway/step_runner.h"
#include "proto/codec/wire.h"

namespace kotona::gateway::transport {
class BleBus;
}

namespace kotona::gateway {

struct BleHooks {
  // Stores the readings and, when set, the cursor in ONE transaction. An error means nothing
  // was stored: the Step's commands are withheld and the link is dropped, so the device sends
  // the records again on the next connection, from the stored cursor.
  std::function<Result<void>(std::span<const Reading>, const std::optional<OutboxCursor>&)> commit;
  // The cursor stored for (driver, address), handed to the next session of that device.
  std::function<Result<std::optional<OutboxCursor>>(const std::string&, const std::string&)>
      load_cursor;
  // Called after a successful commit of at least one reading (pokes the uplink).
  std::function<void()> on_committed;
};

struct BleSettings {
  std::string bus_address;  // "" = the system bus (BlueZ); a private bus in tests
  std::string adapter = "hci0";
  std::vector<const drivers::DriverDescriptor*> drivers;  // those with a BleMatch are used
  std::chrono::milliseconds retry{1000};  // reconnect (and reopen the bus) after this
  // Until a first device is found, re-reads BlueZ's devices and restarts discovery this often:
  // BlueZ may start after the gateway.
  std::chrono::milliseconds rescan{60000};
  std::chrono::milliseconds connect_timeout{30000};
  // Pair devices BlueZ has no bond with. Off: only bonded devices are read, so the hub never
  // pairs with (and takes over) a neighbour's meter that happens to advertise nearby.
  bool pair_new = false;
};

class BleDevices {
 public:
  // REQUIRES: `io` and `counters` outlive this object; hooks.commit and load_cursor are set.
  BleDevices(boost::asio::io_context& io, GatewayId gateway, BleSettings settings, BleHooks hooks,
             Counters& counters);
  ~BleDevices();
  BleDevices(const BleDevices&) = delete;
  BleDevices& operator=(const BleDevices&) = delete;

  // Opens the bus (retrying every `retry` while it cannot) and starts discovery.
  void start();
  // Closes every link and cancels every timer; the coroutines end when the loop next runs.
  void stop();
  // One entry per device seen, for GatewayStatus (state "needs_pairing" raises an alert).
  std::vector<wire::DeviceStatus> statuses() const;
  // The patient's pairing window (issue 20 part 5, the hub's local page): for `length`, a
  // device without a bond is paired (Just Works) on its next connection attempt, as with
  // ble_pair = on; then only bonded devices again. Returns when the window closes.
  std::chrono::steady_clock::time_point open_pairing_window(std::chrono::seconds length);
  // True while a window is open (or ble_pair = on).
  bool is_pairing() const;

 private:
  struct Device;
  void open_bus();
  void watch();
  void arm_rescan();
  void on_found(const std::string& address, std::uint16_t service);
  boost::asio::awaitable<void> run(Device& device);
  boost::asio::awaitable<void> serve(Device& device);
  void start_session(Device& device);

  boost::asio::io_context& io_;
  BleSettings settings_;
  std::function<Result<std::optional<OutboxCursor>>(const std::string&, const std::string&)>
      load_cursor_;
  Counters& counters_;
  StepRunner runner_;
  std::unique_ptr<transport::BleBus> bus_;
  boost::asio::steady_timer open_timer_;
  boost::asio::steady_timer rescan_timer_;
  std::vector<std::unique_ptr<Device>> devices_;
  bool stopping_ = false;
  bool open_failed_logged_ = false;
  std::chrono::steady_clock::time_point pair_until_{};  // the pairing window's end
  // Checked by handlers and coroutines after each wait; this object and each pending handler
  // are the owners.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kotona::gateway
