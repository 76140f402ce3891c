// DriverDescriptor: what a driver is and how the gateway finds devices for it. One constant
// descriptor per driver folder, listed in the generated registry (drivers/registry.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "drivers/api/session.h"

namespace kotona::drivers {

enum class Status { kWip, kAlpha, kStable };

struct SerialMatch {
  std::uint32_t baud = 9600;   // default line speed; config may override
  std::string by_id_pattern;   // glob against /dev/serial/by-id names, e.g. "*ACME_BP*"
};

// A BLE device is this driver's when it advertises or offers this primary service; the
// transport filters discovery by it.
struct BleMatch {
  std::uint16_t service_uuid16 = 0;  // e.g. 0x1810 Blood Pressure
};

// Everything a session needs to know about where it runs; no handles, no clocks.
struct SessionContext {
  SessionContext() = default;
  explicit SessionContext(std::string port_path) : port(std::move(port_path)) {}

  std::string port;  // serial path or BLE address ("AA:BB:CC:DD:EE:FF"), for logs, and the
                     // identity of a BLE device that has no serial number
  // BLE: the last RecordCursor a Step of this driver for this device gave (nullopt: none yet).
  std::optional<RecordCursor> cursor;
  // The wall-clock offset of the device from UTC (its time zone); a clock is "wrong" when it
  // is off from hub time + this by more than kClockTolerance, and is set to hub time + this.
  std::chrono::minutes device_utc_offset{0};
};

// A USB HID device is this driver's when its USB vendor and product id match (read from the
// hidraw node's udev/sysfs properties, HID_ID). The gateway then carries the driver's serial
// session over HID reports (gateway/transport/hid).
struct UsbHidMatch {
  std::uint16_t vendor_id = 0;   // e.g. 0x1a79 Ascensia (Bayer) Diabetes Care
  std::uint16_t product_id = 0;  // e.g. 0x7410 Contour Next USB
};

struct DriverDescriptor {
  std::string_view name;     // unique, snake_case, equals the folder name
  std::string_view version;  // semver of the driver
  Status status = Status::kWip;
  std::vector<SerialMatch> serial;
  std::vector<BleMatch> ble;
  std::unique_ptr<DeviceSession> (*make_session)(const SessionContext& context) = nullptr;
  // Last, so descriptors written without it (positionally, in tests) stay valid.
  std::vector<UsbHidMatch> usb_hid = {};
  // The kind of meter: the core kind (core/kinds.h, e.g. "bp", "implant") of the readings
  // it sends. The hub's own page names the meter to the patient by it ("" = a meter).
  std::string_view kind = {};
};

}  // namespace kotona::drivers
