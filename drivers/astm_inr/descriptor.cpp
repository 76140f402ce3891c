// astm_inr: home INR (coagulation) meter speaking ASTM E1381 / E1394 (README.md).
#include <memory>

#include "drivers/api/descriptor.h"
#include "drivers/astm_inr/session.h"

namespace kotona::drivers::astm_inr {

namespace {
std::unique_ptr<DeviceSession> make_session(const SessionContext& /*context*/) {
  return std::make_unique<Session>();
}
}  // namespace

const DriverDescriptor& descriptor() {
  // No by-id pattern: these meters sit behind generic USB-serial adapters whose by-id name does
  // not identify the meter, so the gateway config names the driver per port.
  static const DriverDescriptor kDescriptor{
      .name = "astm_inr",
      .version = "0.1.0",
      .status = Status::kAlpha,
      .serial = {SerialMatch{.baud = 9600, .by_id_pattern = ""}},
      .ble = {},
      .make_session = &make_session,
      .kind = "inr",
  };
  return kDescriptor;
}

}  // namespace kotona::drivers::astm_inr
