// astm_glucose: glucose meter speaking ASTM E1381 / E1394 (README.md).
#include <memory>

#include "drivers/api/descriptor.h"
#include "drivers/astm_glucose/session.h"

namespace kotona::drivers::astm_glucose {

namespace {
std::unique_ptr<DeviceSession> make_session(const SessionContext& /*context*/) {
  return std::make_unique<Session>();
}
}  // namespace

const DriverDescriptor& descriptor() {
  // No by-id pattern: these meters sit behind generic USB-serial adapters whose by-id name does
  // not identify the meter, so the gateway config names the driver per port.
  static const DriverDescriptor kDescriptor{
      .name = "astm_glucose",
      .version = "0.1.0",
      .status = Status::kAlpha,
      .serial = {SerialMatch{.baud = 9600, .by_id_pattern = ""}},
      .ble = {},
      .make_session = &make_session,
      // Contour USB and Contour Next USB speak this driver's ASTM inside 64-byte HID reports
      // (gateway/transport/hid/report.h cites the sources).
      .usb_hid = {UsbHidMatch{0x1a79, 0x6002}, UsbHidMatch{0x1a79, 0x7410}},
      .kind = "glucose",
  };
  return kDescriptor;
}

}  // namespace kotona::drivers::astm_glucose
