// implant_relay: pacemaker / ICD home relay over its framed serial protocol
// (docs/implant-relay-protocol.md, README.md).
#include "drivers/api/descriptor.h"

#include <memory>

#include "drivers/implant_relay/session.h"

namespace kotona::drivers::implant_relay {

namespace {
std::unique_ptr<DeviceSession> make_session(const SessionContext& /*context*/) {
  return std::make_unique<Session>();
}
}  // namespace

const DriverDescriptor& descriptor() {
  // The reference relay's USB-serial bridge names itself "Kotona_Implant_Relay" in
  // /dev/serial/by-id, so the gateway can find it without a configured path.
  static const DriverDescriptor kDescriptor{
      .name = "implant_relay",
      .version = "0.1.0",
      .status = Status::kAlpha,
      .serial = {SerialMatch{.baud = 115200, .by_id_pattern = "*Kotona_Implant_Relay*"}},
      .ble = {},
      .make_session = &make_session,
      .kind = "implant",
  };
  return kDescriptor;
}

}  // namespace kotona::drivers::implant_relay
