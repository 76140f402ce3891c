// HidPort: a simulated USB HID meter node for the gateway's hidraw transport (issue 14). The
// machine has no /dev/uhid, so the node is a Unix SOCK_SEQPACKET socket at `node` (one message
// per report, as hidraw gives) plus a fake udev/sysfs entry `<sysfs_dir>/<node name>/device/
// uevent` with HID_ID=0003:VENDOR:PRODUCT, which the gateway's discovery reads.
//
// The meter code keeps talking a byte stream: master_fd() is one end of an internal socket
// pair; a bridge thread turns the meter's bytes into 64-byte reports ("ABC", length byte, up to
// 60 payload bytes, zero padding, an empty report after a full last one) and the hub's reports
// (report number 0 + 64 bytes) back into bytes. Like a Contour meter, it says nothing until the
// host has written on the connection (the wake-up): until then only the meter's latest ENQ is
// held, and goes out right after the wake-up. Sources: gateway/transport/hid/report.h's list;
// this encoder is written here on its own (firmware-sim never links drivers/).
// Destroying it is the unplug: the sysfs entry goes first, then the connection and the node.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"

namespace kotona::firmware_sim {

using Bytes = std::vector<std::uint8_t>;

// The reports carrying `bytes` as one unit (see above). Pure.
std::vector<Bytes> encode_meter_reports(const Bytes& bytes);

struct HidIdentity {
  std::uint16_t vendor_id = 0x1a79;   // Ascensia (Bayer)
  std::uint16_t product_id = 0x7410;  // Contour Next USB
  std::string name = "Bayer HealthCare LLC Contour Next USB";
};

class HidPort {
 public:
  // Binds `node` (replacing a stale one), then writes the sysfs entry when `sysfs_dir` is not
  // empty, and starts the bridge. Error kIo naming the failing call.
  [[nodiscard]] static Result<std::unique_ptr<HidPort>> open(const std::string& node,
                                                             const std::string& sysfs_dir,
                                                             const HidIdentity& identity);
  ~HidPort();
  HidPort(const HidPort&) = delete;
  HidPort& operator=(const HidPort&) = delete;

  int master_fd() const { return meter_fd_; }
  const std::string& device_path() const { return node_; }
  void discard_unread();  // bytes from the hub nobody read (stray ACKs)
  // Fault: the next `count` reports to the hub are malformed (length byte over 60, or short).
  void send_bad_reports(std::size_t count) { bad_reports_ += count; }

 private:
  HidPort() = default;
  void bridge();
  void accept_host();
  void from_host();
  void from_meter();
  void send_reports(const Bytes& bytes);
  void send_bad_report(std::size_t index);

  std::string node_;
  std::string entry_;  // the sysfs entry directory ("" when none)
  int listen_fd_ = -1;
  int host_fd_ = -1;    // the hub's connection (bridge thread only)
  int meter_fd_ = -1;   // the meter's end of the pair
  int bridge_fd_ = -1;  // the bridge's end
  bool woken_ = false;  // the host wrote on this connection (bridge thread only)
  Bytes held_enq_;      // the ENQ waiting for the wake-up (bridge thread only)
  std::atomic<std::size_t> bad_reports_{0};
  std::size_t bad_sent_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace kotona::firmware_sim
