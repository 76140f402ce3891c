// BLE transport: BlueZ over D-Bus with sdbus-c++ (STYLE.md §1). BleBus owns one D-Bus
// connection whose traffic is processed by the caller's Asio io_context (no sdbus thread): every
// sdbus callback, and so every BleLink event, happens on that one thread. BleLink is one
// device: connect (discovering it first if BlueZ does not know it), pair when unpaired, resolve
// GATT services, then reads, writes and subscriptions by 16-bit UUID, one at a time, in order.
// Every sdbus::Error stays in this folder; callers see BleEvent values. Not thread-safe.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kotona::gateway::transport {

struct BleEvent {
  enum class Kind {
    kConnected,     // link up, paired, services resolved: commands may be sent
    kDisconnected,  // link gone (device or hub side); queued commands dropped
    kValue,         // a read's result, or a notification / indication
    kFailed,        // a command failed (uuid16 set), or connecting failed (uuid16 == 0)
    kNeedsPairing,  // the bond is unusable (device lost its keys, or pairing refused)
  };
  Kind kind = Kind::kDisconnected;
  std::uint16_t uuid16 = 0;
  std::vector<std::uint8_t> bytes;
  std::string detail;  // for logs: BlueZ's error name and message
};

class BleLink;

// BleEvent::detail of a connect refused because the device is not paired and may_pair is off.
inline constexpr std::string_view kNotPaired = "not paired with this hub (pairing not allowed)";

class BleBus {
 public:
  // Connects to `bus_address` ("" = the system bus, where BlueZ lives) and checks that
  // /org/bluez/<adapter> answers later (connect errors name it). Error kIo with sdbus's reason.
  [[nodiscard]] static Result<std::unique_ptr<BleBus>> open(
      const boost::asio::any_io_executor& executor, const std::string& bus_address,
      const std::string& adapter);
  ~BleBus();
  BleBus(const BleBus&) = delete;
  BleBus& operator=(const BleBus&) = delete;

  // Service UUIDs a discovery run filters by (SetDiscoveryFilter UUIDs, Transport "le").
  void set_discovery_filter(std::vector<std::uint16_t> services);
  // Reports every device BlueZ knows or finds (InterfacesAdded) that offers one of the filter's
  // services: (address, service). Keeps discovery on until stop_watching().
  void watch(std::function<void(const std::string&, std::uint16_t)> on_found);
  void stop_watching();
  // A link to the device with this address ("AA:BB:CC:DD:EE:FF"); idle until connect().
  std::unique_ptr<BleLink> link(const std::string& address);
  const std::string& adapter_path() const;

  struct Impl;  // shared with BleLink (ble.cpp, ble_link.cpp)

 private:
  explicit BleBus(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class BleLink {
 public:
  ~BleLink();
  BleLink(const BleLink&) = delete;
  BleLink& operator=(const BleLink&) = delete;

  // Starts connecting; ends in kConnected, kFailed (uuid16 0), kNeedsPairing or (when the
  // device is not found within `timeout`) kFailed "not found". With `may_pair` false a device
  // BlueZ has no bond with is not connected at all: kFailed with detail kNotPaired.
  void connect(std::chrono::milliseconds timeout = std::chrono::seconds(30), bool may_pair = true);
  // Hub-side disconnect (Device1.Disconnect); kDisconnected follows.
  void disconnect();
  // Commands, carried out in order, each finished before the next starts. read -> kValue or
  // kFailed; write (with response) and subscribe (StartNotify) -> kFailed only on failure.
  void read(std::uint16_t uuid16);
  void write(std::uint16_t uuid16, std::vector<std::uint8_t> bytes);
  void subscribe(std::uint16_t uuid16);
  // The next event, in the order they happened. Completes with kDisconnected once close()d.
  boost::asio::awaitable<BleEvent> next_event();
  // Drops queued events and commands; next_event() returns kDisconnected. Idempotent.
  void close();
  bool is_connected() const;
  const std::string& address() const;

  struct State;
  explicit BleLink(std::shared_ptr<State> state);

 private:
  std::shared_ptr<State> state_;  // shared with pending sdbus callbacks' weak_ptrs
};

// 16-bit SIG UUID <-> BlueZ's 128-bit text ("00002a35-0000-1000-8000-00805f9b34fb").
std::string ble_uuid128(std::uint16_t uuid16);
// 0 when `text` is not a Bluetooth Base UUID.
std::uint16_t ble_uuid16(const std::string& text);

}  // namespace kotona::gateway::transport
