// Gateway: the whole hub process wired together — outbox, uplink, serial devices, BLE devices
// when configured, and the GatewayStatus heartbeat — on one io_context thread (STYLE.md §8).
// Not thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <span>

#include "core/counters.h"
#include "gateway/ble_devices.h"
#include "gateway/config.h"
#include "gateway/local_page/status_page.h"
#include "gateway/manual_entry/manual_entry.h"
#include "gateway/outbox/outbox.h"
#include "gateway/record_epochs.h"
#include "gateway/serial_devices.h"
#include "gateway/uplink/uplink.h"

namespace kotona::gateway {

class Gateway {
 public:
  // Opens the outbox. Errors: kIo when the outbox file cannot be opened or created.
  [[nodiscard]] static Result<std::unique_ptr<Gateway>> create(boost::asio::io_context& io,
                                                               GatewayConfig config);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Starts the uplink, every device and the status heartbeat.
  void start();
  // Stops everything; pending work ends so io_context::run() can return. Idempotent.
  void stop();

  // Gives the readings their record epochs (record_epochs.h), then encodes and appends them,
  // with their record numbers and `cursor` when set, to the outbox in ONE transaction.
  [[nodiscard]] Result<void> commit(std::span<const Reading> readings,
                                    const std::optional<OutboxCursor>& cursor = {});

  // What the hub's local status page shows (local_page/status_page.h): devices and when each
  // was last heard from, readings not yet acked by the centre.
  local_page::HubView hub_view();
  // Manual entry (issue 20 part 5): the local page's form submits here; a stored entry goes
  // through commit() like a device reading, then the uplink is poked.
  ManualEntry& manual_entry() { return manual_; }

  // Opens the BLE pairing window (BleDevices::open_pairing_window); false when BLE is off.
  bool open_pairing_window(std::chrono::seconds length);
  bool is_pairing() const { return ble_ && ble_->is_pairing(); }
  bool has_ble() const { return ble_ != nullptr; }

  // The hub's counters, sent in every heartbeat (main adds driver_plugin_refused).
  Counters& counters() { return counters_; }

 private:
  Gateway(boost::asio::io_context& io, GatewayConfig config, std::unique_ptr<Outbox> outbox);
  void arm_status_timer();
  void publish_status();
  wire::StorageStatus storage_status();

  boost::asio::io_context& io_;
  GatewayConfig config_;
  Counters counters_;
  std::unique_ptr<Outbox> outbox_;
  RecordEpochs epochs_;
  Uplink uplink_;
  SerialDevices devices_;
  std::unique_ptr<BleDevices> ble_;  // null when BLE is off (no ble_adapter)
  ManualEntry manual_;
  boost::asio::steady_timer status_timer_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  bool stopping_ = false;
  std::string storage_state_ = "ok";     // the last one logged
  std::optional<HubTime> full_latched_;  // full since, until a heartbeat carried it
  bool full_now_ = false;
};

}  // namespace kotona::gateway
