// MessageSession: the DeviceSession every ASTM meter driver (drivers/astm_*) runs. It feeds the
// serial bytes to the E1381 Receiver, gathers the E1394 records of one message (H ... L) and
// decodes it with the driver's parse function. The ACK for the frame holding the L record
// leaves in the same Step as the message's readings (invariant 1); the clock offset comes from
// H.14 (invariant 6). Owned by the gateway; called on its event loop only.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "drivers/api/session.h"
#include "drivers/astm/message.h"
#include "drivers/astm/receiver.h"

namespace kotona::drivers::astm {

using ParseMessage = Result<Message> (*)(std::span<const std::uint8_t> text);

class MessageSession : public DeviceSession {
 public:
  // `driver` names the driver in errors; `parse` decodes one complete message.
  MessageSession(std::string_view driver, ParseMessage parse);
  // Nothing to send: an ASTM meter opens each transfer itself with ENQ.
  Step start() override;
  // SerialBytes: ACK/NAK commands, readings of completed messages, rejected frames or records.
  // Connected/Disconnected: back to idle. CommitFailed (the readings of the last Step were not
  // stored): NAK the frame that completed the message and take the device's repeat of it as
  // new. Error kUnsupported for GATT input.
  Result<Step> on_input(const Input& input) override;
  // The receiver timeout (30 s, LIS01-A2 §6.5.2) expired mid-transfer: back to idle.
  Step on_timer() override;

 private:
  void on_record(const std::string& text, HubTime hub_time, Step& step);
  void on_line(std::string_view line, HubTime hub_time, Step& step);
  void drop_message(Errc code, std::string detail, Step& step);
  Step with_timer(Step step) const;

  std::string driver_;
  ParseMessage parse_;
  Receiver receiver_;
  Step refuse_commit();

  Bytes message_;  // records of the message being received, each ending CR
  Bytes before_frame_;   // message_ before the records of the frame being processed
  std::optional<Bytes> unconfirmed_;  // message_ to restore if the last readings' commit fails
};

}  // namespace kotona::drivers::astm
