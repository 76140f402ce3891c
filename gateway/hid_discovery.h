// HidDiscovery: finds USB HID meters by vendor/product id (issue 14). Every 500 ms it lists the
// hidraw class directory (/sys/class/hidraw, or hid_sysfs_dir), reads each node's udev
// properties from `<entry>/device/uevent` (HID_ID=BUS:VENDOR:PRODUCT, as the kernel exports
// them for udev) and hands each new node whose USB ids a driver claims (UsbHidMatch) to the
// DeviceManager as `<hid_dev_dir>/<entry>` over the HID transport. The DeviceManager then opens,
// watches and reopens it like a serial port: a meter pulled and plugged back under the same
// node name is the same device; under a new name it is found again here.
// Runs on the gateway's io_context thread only; not thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "gateway/config.h"
#include "gateway/device_manager.h"

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

class HidDiscovery {
 public:
  // REQUIRES: `io` and `devices` outlive this object.
  HidDiscovery(boost::asio::io_context& io, std::string sysfs_dir, std::string dev_dir,
               std::vector<const drivers::DriverDescriptor*> drivers, DeviceManager& devices);
  ~HidDiscovery();
  HidDiscovery(const HidDiscovery&) = delete;
  HidDiscovery& operator=(const HidDiscovery&) = delete;

  // Scans now and then every interval. Does nothing when no driver has a UsbHidMatch.
  void start();
  void stop();
  void set_interval_for_test(std::chrono::milliseconds interval) { interval_ = interval; }

 private:
  void scan();
  void arm();

  std::string sysfs_dir_;
  std::string dev_dir_;
  std::vector<const drivers::DriverDescriptor*> drivers_;
  DeviceManager& devices_;
  boost::asio::steady_timer timer_;
  std::chrono::milliseconds interval_{500};
  bool stopping_ = false;
  std::vector<std::string> unreadable_logged_;  // entries whose uevent was logged as bad once
  // Checked by the timer handler; this object and the pending handler are the owners.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kotona::gateway
