// ble_pulse_ox: Bluetooth SIG Pulse Oximeter Service / Profile (README.md).
#include <memory>

#include "drivers/api/descriptor.h"
#include "drivers/ble_pulse_ox/session.h"
#include "drivers/gatt/uuids.h"

namespace kotona::drivers::ble_pulse_ox {

namespace {
std::unique_ptr<DeviceSession> make_session(const SessionContext& context) {
  return std::make_unique<Session>(context);
}
}  // namespace

const DriverDescriptor& descriptor() {
  static const DriverDescriptor kDescriptor{
      .name = "ble_pulse_ox",
      .version = "0.1.0",
      .status = Status::kAlpha,
      .serial = {},
      .ble = {BleMatch{.service_uuid16 = gatt::uuid::kPulseOximeterService}},
      .make_session = &make_session,
      .kind = "spo2",
  };
  return kDescriptor;
}

}  // namespace kotona::drivers::ble_pulse_ox
