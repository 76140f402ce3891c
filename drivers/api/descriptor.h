// DriverDescriptor: what a driver is and how the gateway finds devices for it. One constant
// descriptor per driver folder, listed in the generated registry (drivers/registry.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/api/session.h"

namespace kotona::drivers {

enum class Status { kWip, kAlpha, kStable };

struct SerialMatch {
  std::uint32_t baud = 9600;   // default line speed; config may override
  std::string by_id_pattern;   // glob against /dev/serial/by-id names, e.g. "*ACME_BP*"
};

struct BleMatch {
  std::uint16_t service_uuid16 = 0;  // e.g. 0x1810 Blood Pressure
};

// Everything a session needs to know about where it runs; no handles, no clocks.
struct SessionContext {
  std::string port;  // serial path or BLE address, for logs and DeviceStatus only
};

struct DriverDescriptor {
  std::string_view name;     // unique, snake_case, equals the folder name
  std::string_view version;  // semver of the driver
  Status status = Status::kWip;
  std::vector<SerialMatch> serial;
  std::vector<BleMatch> ble;
  std::unique_ptr<DeviceSession> (*make_session)(const SessionContext& context) = nullptr;
};

}  // namespace kotona::drivers
