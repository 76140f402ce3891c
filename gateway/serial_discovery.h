// Serial devices by stable identity: the by-id directory's entries matched to drivers' by-id
// patterns. SerialDevices polls the source (every 500 ms), opens what it finds, watches it and
// reopens it whenever it comes back.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gateway/config.h"
#include "gateway/port_source.h"

namespace kotona::gateway {

// Pure: the devices to add for the by-id entry `names` in `dir`: the first driver whose
// by_id_pattern (fnmatch glob) matches a name, at that driver's default baud. Names whose path
// `is_known` already are skipped, as are drivers without a pattern.
std::vector<DeviceSpec> match_serial_by_id(
    const std::string& dir, const std::vector<std::string>& names,
    const std::vector<const drivers::DriverDescriptor*>& drivers,
    const std::function<bool(const std::string&)>& is_known);

// The by-id directory (/dev/serial/by-id, or serial_by_id_dir) as a PortSource: an entry whose
// name matches a driver's by-id pattern is that driver's device, at its default baud.
std::unique_ptr<PortSource> make_serial_by_id_source(
    std::string dir, std::vector<const drivers::DriverDescriptor*> drivers);

}  // namespace kotona::gateway
