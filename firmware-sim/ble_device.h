// BleDevice: one simulated BLE health device, a row of ble_profiles.h (its profile service,
// Device Information, and Current Time when it has a clock) served through BluezServer on a
// private bus. Stored measurements go out when the hub subscribes (RACP profiles: on RACP
// requests); each value first sent to a subscribed hub is one ledger line. Single thread (run()
// is the loop); the stop flag may be set by a signal handler.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "firmware-sim/ble_options.h"
#include "firmware-sim/bluez_server.h"

namespace kotona::firmware_sim {

class BleDevice final : public PeripheralBehaviour {
 public:
  BleDevice(BleOptions options, const std::atomic<bool>& stop);
  ~BleDevice() override;
  // Connects to the bus and owns org.bluez there; logs "device ready on BUS ADDRESS". kIo.
  [[nodiscard]] Result<void> plug();
  void unplug();
  // Runs the script, then serves until the stop flag is set.
  [[nodiscard]] Result<void> run();

  // PeripheralBehaviour.
  void on_link_up() override;
  void on_connected() override;
  void on_disconnected() override;
  void on_subscribed(std::uint16_t uuid) override;
  std::optional<gatt::Bytes> on_read(std::uint16_t uuid) override;
  std::optional<std::uint8_t> on_write(std::uint16_t uuid, const gatt::Bytes& value) override;

 private:
  struct Record {
    StoredValue value;  // time: device clock when measured
    bool delivered = false;
    bool garbled = false;   // sent one byte short: a value the hub cannot read
    bool off_skin = false;  // sent with "no skin contact": a value the hub skips, counted
  };

  void run_step(const BleStep& step);
  void serve(std::chrono::milliseconds duration);
  void measure(const BleStep& step, std::chrono::sys_seconds time);
  void queue_undelivered();
  void queue_racp(const gatt::Bytes& request);
  void pump(std::uint64_t generation);
  void sent(Record& record);
  void write_ledger(const Record& record) const;
  gatt::Bytes encode(const Record& record) const;
  std::chrono::sys_seconds device_now() const;
  void touch();
  void update_advertising();
  PeripheralSpec make_spec() const;

  BleOptions options_;
  const std::atomic<bool>& stop_;
  std::unique_ptr<BluezServer> server_;
  Peripheral* peripheral_ = nullptr;
  std::vector<Record> memory_;
  std::deque<std::size_t> outgoing_;       // indexes into memory_ to send, in order
  std::optional<gatt::Bytes> racp_final_;  // RACP indication after the outgoing records
  std::uint8_t racp_op_ = 0;
  std::uint16_t next_sequence_;
  std::size_t burst_ = 0;                  // values to send back to back
  std::optional<std::size_t> drop_after_;  // drop the link after this many more values
  std::uint64_t generation_ = 0;           // one per link; stale pumps stop
  std::chrono::steady_clock::time_point last_activity_{};
  bool pumping_ = false;
};

}  // namespace kotona::firmware_sim
