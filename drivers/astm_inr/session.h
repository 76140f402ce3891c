// Session: the astm_inr (INR meter) DeviceSession. Runs drivers/astm's E1381 Receiver over
// the serial bytes, gathers the E1394 records of one message (H ... L) and decodes it with
// parse_message(). The ACK for the frame holding the L record leaves in the same Step as the
// message's readings (invariant 1). Owned by the gateway; called on its event loop only.
#pragma once

#include <string>

#include "drivers/api/session.h"
#include "drivers/astm/receiver.h"

namespace kotona::drivers::astm_inr {

class Session final : public DeviceSession {
 public:
  // Nothing to send: an ASTM meter opens each transfer itself with ENQ.
  Step start() override;
  // SerialBytes: ACK/NAK commands, readings of completed messages, rejected frames or records.
  // Connected/Disconnected: back to idle. Error kUnsupported for GATT input.
  Result<Step> on_input(const Input& input) override;
  // The receiver timeout (30 s, LIS01-A2 §6.5.2) expired mid-transfer: back to idle.
  Step on_timer() override;

 private:
  void on_record(const std::string& text, HubTime hub_time, Step& step);
  void on_line(std::string_view line, HubTime hub_time, Step& step);
  void drop_message(Errc code, std::string detail, Step& step);
  Step with_timer(Step step) const;

  astm::Receiver receiver_;
  Bytes message_;  // records of the message being received, each ending CR
};

}  // namespace kotona::drivers::astm_inr
