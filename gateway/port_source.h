// PortSource: a place where wired devices appear — the by-id directory of serial adapters
// (serial_discovery.h), the hidraw class directory of USB HID meters (hid_discovery.h).
// SerialDevices polls each source it watches and adds what a driver claims; a device pulled and
// plugged back under the same path is the same device, under a new path it is found again.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "gateway/config.h"

namespace kotona::gateway {

struct FoundPort {
  DeviceSpec spec;
  std::string what;  // for the log: "USB HID 1a79:7410" or "by-id link"
};

class PortSource {
 public:
  virtual ~PortSource() = default;
  // What is watched, for the log: "/dev/serial/by-id for serial devices by stable name".
  virtual std::string watched() const = 0;
  // False when no driver claims anything this source can find: it is not polled.
  virtual bool is_useful() const = 0;
  // The devices there now that a driver claims, in a stable order, minus those `is_known`.
  virtual std::vector<FoundPort> scan(const std::function<bool(const std::string&)>& is_known) = 0;
};

}  // namespace kotona::gateway
