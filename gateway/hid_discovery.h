// USB HID meters by vendor/product id (issue 14): each hidraw node's udev properties
// (`<entry>/device/uevent`, HID_ID=BUS:VENDOR:PRODUCT as the kernel exports them for udev)
// matched to the ids drivers claim (UsbHidMatch). SerialDevices polls the source (every 500 ms)
// and drives what it finds like a serial port.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "gateway/config.h"
#include "gateway/port_source.h"

namespace kotona::gateway {

struct HidId {
  std::uint16_t bus = 0;  // 0x0003: USB
  std::uint16_t vendor_id = 0;
  std::uint16_t product_id = 0;
  friend bool operator==(const HidId&, const HidId&) = default;
};

// Pure: HID_ID from a uevent file's text (KEY=VALUE lines). Errors: kMalformed when the line is
// missing or not three hex fields of which vendor and product fit 16 bits.
[[nodiscard]] Result<HidId> parse_hid_uevent(std::string_view uevent);

struct HidNode {
  std::string name;  // the hidraw entry, e.g. "hidraw0"
  HidId id;
};

// Pure: the devices to add for `nodes`: a USB node whose ids the first driver claims becomes
// `<dev_dir>/<name>` with Transport::kHid. Nodes whose path `is_known` already are skipped.
std::vector<DeviceSpec> match_hid_nodes(
    const std::string& dev_dir, const std::vector<HidNode>& nodes,
    const std::vector<const drivers::DriverDescriptor*>& drivers,
    const std::function<bool(const std::string&)>& is_known);

// The hidraw class directory (/sys/class/hidraw, or hid_sysfs_dir) as a PortSource: a node
// whose `<entry>/device/uevent` HID_ID names USB ids a driver claims is that driver's device at
// `<dev_dir>/<entry>` over the HID transport. A node without a readable HID_ID is logged once.
std::unique_ptr<PortSource> make_hid_source(std::string sysfs_dir, std::string dev_dir,
                                            std::vector<const drivers::DriverDescriptor*> drivers);

}  // namespace kotona::gateway
