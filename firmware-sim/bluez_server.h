// BluezServer: simulated BLE peripherals served under the bus name org.bluez with BlueZ's own
// D-Bus object model (doc/org.bluez.Adapter.rst, Device.rst, GattService.rst,
// GattCharacteristic.rst): ObjectManager at /, Adapter1 at /org/bluez/<adapter>, Device1 at
// .../dev_AA_BB_..., GattService1 / GattCharacteristic1 below it while connected. A gateway
// talking to it runs the code path it runs against real BlueZ. Single thread: run_for() is the
// whole event loop (D-Bus traffic and the sim's timers). Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "firmware-sim/gatt_encoder.h"

namespace sdbus {
class IConnection;
}

namespace kotona::firmware_sim {

struct CharSpec {
  std::uint16_t uuid = 0;
  std::vector<std::string> flags;  // BlueZ Flags: "read", "write", "notify", "indicate"
  bool needs_bond = false;         // encrypted: fails with NotAuthorized when the bond is lost
};
struct ServiceSpec {
  std::uint16_t uuid = 0;
  std::vector<CharSpec> characteristics;
};
struct PeripheralSpec {
  std::string address;  // "AA:BB:CC:DD:EE:FF"
  std::string name;
  std::uint16_t advertised_service = 0;  // in the advertisement's UUIDs (discovery filter)
  std::vector<ServiceSpec> services;
  bool bonded = true;  // already paired with the hub at start (Device1 exported at once)
};

// What a simulated device does when the hub talks to it. Called from run_for().
class PeripheralBehaviour {
 public:
  virtual ~PeripheralBehaviour() = default;
  // The link is up (Connect); GATT services resolve ~30 ms later, then on_connected().
  virtual void on_link_up() {}
  virtual void on_connected() = 0;
  virtual void on_disconnected() = 0;
  virtual void on_subscribed(std::uint16_t uuid) = 0;
  // A read; nullopt: the device refuses (org.bluez.Error.NotPermitted).
  virtual std::optional<gatt::Bytes> on_read(std::uint16_t uuid) = 0;
  // A write request; an ATT error code (0x80..) to refuse it.
  virtual std::optional<std::uint8_t> on_write(std::uint16_t uuid, const gatt::Bytes& value) = 0;
};

class Peripheral;

class BluezServer {
 public:
  // Connects to `bus_address` and owns org.bluez there. Error kIo with sdbus's message.
  [[nodiscard]] static Result<std::unique_ptr<BluezServer>> open(const std::string& bus_address,
                                                                 const std::string& adapter);
  ~BluezServer();
  BluezServer(const BluezServer&) = delete;
  BluezServer& operator=(const BluezServer&) = delete;

  // REQUIRES: `behaviour` outlives the server; unique address.
  Peripheral& add(PeripheralSpec spec, PeripheralBehaviour& behaviour);
  // Serves D-Bus and due timers for up to `max_wait` (returns early after an event).
  void run_for(std::chrono::milliseconds max_wait);
  // Runs `fn` from run_for() after `delay`.
  void post(std::chrono::milliseconds delay, std::function<void()> fn);
  // How long a Connect() to a device that is not advertising takes to fail (BlueZ: ~ seconds).
  void set_connect_fail_delay(std::chrono::milliseconds d) { connect_fail_delay_ = d; }
  std::chrono::milliseconds connect_fail_delay() const { return connect_fail_delay_; }

  const std::string& adapter_path() const { return adapter_path_; }
  bool is_discovering() const { return discovering_; }
  bool filter_accepts(std::uint16_t service) const;
  sdbus::IConnection& connection() { return *connection_; }

 private:
  struct Impl;
  BluezServer() = default;
  void register_adapter(const std::string& adapter);
  void on_discovery_changed();

  std::unique_ptr<sdbus::IConnection> connection_;
  std::unique_ptr<Impl> impl_;
  std::string adapter_path_;
  bool discovering_ = false;
  std::vector<std::string> filter_uuids_;
  std::vector<std::unique_ptr<Peripheral>> peripherals_;
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> timers_;
  std::chrono::milliseconds connect_fail_delay_{1000};
};

// One simulated device on the adapter. Owned by BluezServer.
class Peripheral {
 public:
  Peripheral(BluezServer& server, PeripheralSpec spec, PeripheralBehaviour& behaviour);
  ~Peripheral();
  // Advertising: connectable, and seen by a discovering adapter (Device1 exported then).
  void set_advertising(bool on);
  // Sends a notification / indication: PropertiesChanged(Value) on the characteristic, as
  // BlueZ emits it. False (nothing sent) when not connected or the hub has not subscribed.
  bool notify(std::uint16_t uuid, const gatt::Bytes& value);
  // The device drops the link (Connected=false, GATT objects removed).
  void drop_link();
  // The device forgot its keys: encrypted characteristics fail until the hub re-pairs.
  void set_bond_lost(bool lost) { bond_lost_ = lost; }
  // The device accepts pairing (Just Works) only in pairing mode.
  void set_pairing_mode(bool on) { pairing_mode_ = on; }
  bool is_connected() const { return connected_; }
  bool is_paired() const { return paired_; }
  bool is_notifying(std::uint16_t uuid) const;
  bool is_advertising() const { return advertising_; }
  const PeripheralSpec& spec() const { return spec_; }
  // Called by the server when discovery starts/stops or the filter changes.
  void update_visibility();
  // Adapter1.RemoveDevice: the hub forgets the device and its keys (Device1 removed).
  void forget();
  // "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"
  std::string path() const;

 private:
  struct Gatt;
  struct CharObject;
  void export_device();
  void unexport_device();
  void connect_now();
  void resolve_services();
  void remove_services();
  void register_char(CharObject& ch, const std::string& service_path, std::uint16_t handle);
  void check_access(const CharSpec& spec) const;  // throws sdbus::Error (BlueZ's errors)
  void register_device_interface();
  void emit_device(const std::vector<std::string>& properties);

  BluezServer& server_;
  PeripheralSpec spec_;
  PeripheralBehaviour& behaviour_;
  std::unique_ptr<Gatt> gatt_;
  bool advertising_ = false;
  bool exported_ = false;
  bool connected_ = false;
  bool resolved_ = false;
  bool paired_ = false;
  bool bond_lost_ = false;
  bool pairing_mode_ = true;
  std::uint64_t link_generation_ = 0;
};

// "0000180a-0000-1000-8000-00805f9b34fb" for 0x180A (Bluetooth Base UUID).
std::string uuid128(std::uint16_t uuid16);

}  // namespace kotona::firmware_sim
