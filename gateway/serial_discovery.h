// SerialDiscovery: finds serial devices by stable identity. Every 500 ms it lists the by-id
// directory (/dev/serial/by-id, or serial_by_id_dir) and hands each new entry whose name
// matches a driver's by-id pattern to the DeviceManager, which opens it, watches it and reopens
// it whenever it comes back. Runs on the gateway's io_context thread only; not thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "gateway/config.h"
#include "gateway/device_manager.h"

namespace kotona::gateway {

// Pure: the devices to add for the by-id entry `names` in `dir`: the first driver whose
// by_id_pattern (fnmatch glob) matches a name, at that driver's default baud. Names whose path
// `is_known` already are skipped, as are drivers without a pattern.
std::vector<DeviceSpec> match_serial_by_id(
    const std::string& dir, const std::vector<std::string>& names,
    const std::vector<const drivers::DriverDescriptor*>& drivers,
    const std::function<bool(const std::string&)>& is_known);

class SerialDiscovery {
 public:
  // REQUIRES: `io` and `devices` outlive this object.
  SerialDiscovery(boost::asio::io_context& io, std::string dir,
                  std::vector<const drivers::DriverDescriptor*> drivers, DeviceManager& devices);
  ~SerialDiscovery();
  SerialDiscovery(const SerialDiscovery&) = delete;
  SerialDiscovery& operator=(const SerialDiscovery&) = delete;

  // Scans now and then every interval. Does nothing when no driver has a by-id pattern.
  void start();
  void stop();
  void set_interval_for_test(std::chrono::milliseconds interval) { interval_ = interval; }

 private:
  void scan();
  void arm();

  std::string dir_;
  std::vector<const drivers::DriverDescriptor*> drivers_;
  DeviceManager& devices_;
  boost::asio::steady_timer timer_;
  std::chrono::milliseconds interval_{500};
  bool stopping_ = false;
  // Checked by the timer handler; this object and the pending handler are the owners.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kotona::gateway
