// acme_thermo: the example driver vendors copy (README.md): a vendor thermometer on BLE.
#include "drivers/api/descriptor.h"

#include <memory>

#include "drivers/acme_thermo/parse.h"
#include "drivers/acme_thermo/session.h"

namespace kotona::drivers::acme_thermo {

namespace {
std::unique_ptr<DeviceSession> make_session(const SessionContext& context) {
  return std::make_unique<Session>(context);
}
}  // namespace

// Declared by the generated registry once the driver has its kotona_driver() line.
const DriverDescriptor& descriptor() {
  static const DriverDescriptor kDescriptor{
      .name = "acme_thermo",
      .version = "0.1.0",
      .status = Status::kWip,
      .serial = {},
      .ble = {BleMatch{.service_uuid16 = kService}},
      .make_session = &make_session,
      .kind = "temperature",
  };
  return kDescriptor;
}

}  // namespace kotona::drivers::acme_thermo
