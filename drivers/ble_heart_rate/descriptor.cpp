// ble_heart_rate: Bluetooth SIG Heart Rate Profile sensors (chest straps, arm bands), README.md.
#include "drivers/api/descriptor.h"

#include <memory>

#include "drivers/ble_heart_rate/parse.h"
#include "drivers/ble_heart_rate/session.h"

namespace kotona::drivers::ble_heart_rate {

namespace {
std::unique_ptr<DeviceSession> make_session(const SessionContext& context) {
  return std::make_unique<Session>(context);
}
}  // namespace

// Declared by the generated registry once the driver has its kotona_driver() line.
const DriverDescriptor& descriptor() {
  static const DriverDescriptor kDescriptor{
      .name = "ble_heart_rate",
      .version = "0.1.0",
      .status = Status::kWip,
      .serial = {},
      .ble = {BleMatch{.service_uuid16 = kService}},
      .make_session = &make_session,
      .kind = "heart_rate",
  };
  return kDescriptor;
}

}  // namespace kotona::drivers::ble_heart_rate
