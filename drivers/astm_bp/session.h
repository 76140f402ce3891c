// Session: the astm_bp DeviceSession. Runs drivers/astm's E1381 Receiver over the serial
// bytes, gathers the E1394 records of one message (H ... L) and decodes it with
// parse_message(). The ACK for the frame holding the L record leaves in the same Step as the
// message's readings (invariant 1). Owned by the gateway; called on its event loop only.
#pragma once

#include "drivers/astm/message_session.h"

namespace kotona::drivers::astm_bp {

class Session final : public astm::MessageSession {
 public:
  Session();
};

}  // namespace kotona::drivers::astm_bp
