// ble_glucose: Bluetooth SIG Glucose Service / Profile (README.md).
#include <memory>

#include "drivers/api/descriptor.h"
#include "drivers/ble_glucose/session.h"
#include "drivers/gatt/uuids.h"

namespace kotona::drivers::ble_glucose {

namespace {
std::unique_ptr<DeviceSession> make_session(const SessionContext& context) {
  return std::make_unique<Session>(context);
}
}  // namespace

const DriverDescriptor& descriptor() {
  static const DriverDescriptor kDescriptor{
      .name = "ble_glucose",
      .version = "0.1.0",
      .status = Status::kAlpha,
      .serial = {},
      .ble = {BleMatch{.service_uuid16 = gatt::uuid::kGlucoseService}},
      .make_session = &make_session,
      .kind = "glucose",
  };
  return kDescriptor;
}

}  // namespace kotona::drivers::ble_glucose
