// GatewayConfig: the gateway's `key = value` config (docs/contracts.md, "Gateway config"),
// parsed and validated in one place so main can print one clear line and exit 2. Pure;
// value type.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_file.h"
#include "core/ids.h"
#include "core/result.h"
#include "drivers/api/descriptor.h"

namespace kotona::gateway {

struct DeviceSpec {
  // kSerial: a tty; kHid: ASTM inside USB HID reports on a hidraw node (transport/hid).
  enum class Transport { kSerial, kHid };
  const drivers::DriverDescriptor* driver = nullptr;  // from the registry; never null
  std::string path;                                   // device path; may be absent at start
  std::uint32_t baud = 9600;
  Transport transport = Transport::kSerial;
};

struct GatewayConfig {
  GatewayId gateway_id;
  std::string mqtt_uri;
  // TLS (required with ssl:// or mqtts://, refused otherwise): the CA that signed the broker's
  // certificate, this hub's certificate (CN = gateway_id) and its private key.
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string outbox_path;
  // Issue 22: space held back for deleting acked rows on a full disk (outbox_reserve_kb), and
  // under how much room for new rows the heartbeat says "low" (outbox_low_kb).
  std::uint64_t outbox_reserve_bytes = 1024 * 1024;
  std::uint64_t outbox_low_bytes = 16 * 1024 * 1024;
  std::vector<DeviceSpec> devices;  // relative paths already resolved against serial_by_id_dir
  // Where stable serial names live; drivers with a by-id pattern are opened from here on sight.
  std::string serial_by_id_dir = "/dev/serial/by-id";
  // Drivers offered for by-id discovery (main fills it from the registry; empty: none).
  std::vector<const drivers::DriverDescriptor*> by_id_drivers;
  // USB HID (issue 14): hidraw devices are listed in hid_sysfs_dir (/sys/class/hidraw, one
  // entry per node, its `device/uevent` holding HID_ID=bus:vendor:product) and opened as
  // hid_dev_dir/<entry name>. Drivers offered for it: main fills hid_drivers from the registry.
  std::string hid_sysfs_dir = "/sys/class/hidraw";
  std::string hid_dev_dir = "/dev";
  std::vector<const drivers::DriverDescriptor*> hid_drivers;
  // BLE: on when ble_adapter is set (e.g. hci0); ble_bus "" is the system bus (BlueZ), or a
  // D-Bus address (a private bus in tests, where firmware-sim plays org.bluez).
  std::string ble_adapter;
  std::string ble_bus;
  // Drivers offered for BLE discovery (main fills it from the registry; empty: none).
  std::vector<const drivers::DriverDescriptor*> ble_drivers;
  std::chrono::milliseconds ble_retry{1000};
  std::chrono::milliseconds ble_rescan{60000};
  bool ble_pair = false;  // pair devices without a bond (config ble_pair = on)
  std::chrono::milliseconds ack_timeout{10000};
  std::size_t batch_max_readings = 100;
  std::size_t max_inflight_readings = 2000;  // sent and not yet acked (issue 15)
  std::chrono::milliseconds status_interval{30000};
  std::chrono::milliseconds reconnect_min{500};
  std::chrono::milliseconds reconnect_max{30000};
  // The hub's local page (local_page/): "" = off; else a LOOPBACK HOST and PORT (0: any).
  std::string local_page_host;
  std::uint16_t local_page_port = 0;
};

// How config finds a driver by name: drivers::find_driver in the binary, a fake in tests.
using DriverLookup = const drivers::DriverDescriptor* (*)(std::string_view name);

// local_page_listen (a loopback HOST:PORT) into config.local_page_host/port; absent: off.
// Errors: kConfig (not loopback, bad port). Also used by a blank hub (no gateway_id yet).
[[nodiscard]] Result<void> parse_local_page_listen(const ConfigFile& file, GatewayConfig& config);

// Errors (all kConfig, detail names file, line and key): unknown key, missing or repeated
// required key, invalid gateway_id, bad number, unknown driver, malformed device line.
[[nodiscard]] Result<GatewayConfig> parse_gateway_config(const ConfigFile& file,
                                                         DriverLookup find_driver);

}  // namespace kotona::gateway
