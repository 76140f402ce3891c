#include "drivers/astm/message_session.h"

#include <algorithm>

#include "drivers/astm/frame.h"

namespace kotona::drivers::astm {

namespace {

SerialWrite control(std::uint8_t byte) { return SerialWrite{Bytes{byte}}; }

}  // namespace

MessageSession::MessageSession(std::string_view driver, ParseMessage parse)
    : driver_(driver), parse_(parse) {}

Step MessageSession::start() { return with_timer(Step{}); }

Result<Step> MessageSession::on_input(const Input& input) {
  if (std::holds_alternative<Connected>(input.event) ||
      std::holds_alternative<Disconnected>(input.event)) {
    receiver_.reset();
    Step step;
    if (!message_.empty()) drop_message(Errc::kTruncated, "port closed mid-message", step);
    return with_timer(std::move(step));
  }
  if (std::holds_alternative<CommitFailed>(input.event)) return refuse_commit();
  const auto* serial = std::get_if<SerialBytes>(&input.event);
  if (serial == nullptr) return fail(Errc::kUnsupported, driver_ + " takes serial input only");
  unconfirmed_.reset();  // new bytes: the last Step's readings were committed
  Step step;
  for (auto& event : receiver_.feed(serial->bytes)) {
    using Kind = ReceiverEvent::Kind;
    switch (event.kind) {
      case Kind::kSendAck:
        step.commands.emplace_back(control(kAck));
        break;
      case Kind::kSendNak:
        step.commands.emplace_back(control(kNak));
        break;
      case Kind::kRecord:
        before_frame_ = message_;
        on_record(event.text, input.hub_time, step);
        break;
      case Kind::kError:
        step.rejected.push_back(std::move(event.error));
        break;
      case Kind::kFrameAbandoned:  // its records stay in the meter: a person must hear of it
        step.refused_records.push_back(event.error);
        step.rejected.push_back(std::move(event.error));
        break;
      case Kind::kEndOfTransfer:
        if (!message_.empty()) drop_message(Errc::kTruncated, "EOT before the L record", step);
        break;
    }
  }
  return with_timer(std::move(step));
}

Step MessageSession::on_timer() {
  Step step;
  for (auto& event : receiver_.on_timeout()) {
    if (event.kind == ReceiverEvent::Kind::kFrameAbandoned)
      step.refused_records.push_back(event.error);
    step.rejected.push_back(std::move(event.error));
  }
  if (!message_.empty()) drop_message(Errc::kTruncated, "transfer stalled before L", step);
  return with_timer(std::move(step));
}

void MessageSession::on_record(const std::string& text, HubTime hub_time, Step& step) {
  // One frame sequence normally holds one record; tolerate several separated by CR.
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\r', start), text.size());
    if (end > start) on_line(std::string_view(text).substr(start, end - start), hub_time, step);
    start = end + 1;
  }
}

void MessageSession::on_line(std::string_view line, HubTime hub_time, Step& step) {
  if (line.front() == 'H') {
    if (!message_.empty()) drop_message(Errc::kTruncated, "new H before the L record", step);
  } else if (message_.empty()) {
    step.rejected.push_back(Error{Errc::kMalformed, 0, "record outside an H ... L message"});
    return;
  }
  message_.insert(message_.end(), line.begin(), line.end());
  message_.push_back(kCr);
  if (line.front() != 'L') return;
  auto message = parse_(message_);
  message_.clear();
  unconfirmed_ = before_frame_;
  if (!message) {  // its frames were acknowledged: whatever it measured is lost
    step.rejected.push_back(message.error());
    step.refused_records.push_back(message.error());
    return;
  }
  for (auto& reading : message->readings) {
    reading.hub_time = hub_time;
    // The device's clock error at transfer comes from H.14, not from the measured time: a
    // memory dump of old records is not a wrong clock (invariant 6).
    if (message->device_clock) {
      reading.clock_offset = std::chrono::duration_cast<std::chrono::seconds>(
          *message->device_clock - std::chrono::floor<std::chrono::seconds>(hub_time));
    }
    step.readings.push_back(std::move(reading));
  }
  for (auto& error : message->rejected) {
    step.refused_records.push_back(error);
    step.rejected.push_back(std::move(error));
  }
}

Step MessageSession::refuse_commit() {
  // The gateway could not store the message's readings and withheld the ACK of its last
  // frame. NAK it now (LIS01-A2 §6.3.3: the sender repeats the frame, up to 6 times, then
  // ends with EOT and keeps the record) instead of letting the meter wait out its 15 s.
  Step step;
  if (!unconfirmed_) return with_timer(std::move(step));
  for (auto& event : receiver_.refuse_last_frame()) {
    if (event.kind == ReceiverEvent::Kind::kSendNak) step.commands.emplace_back(control(kNak));
  }
  message_ = std::move(*unconfirmed_);  // the repeated frame completes the message again
  unconfirmed_.reset();
  return with_timer(std::move(step));
}

void MessageSession::drop_message(Errc code, std::string detail, Step& step) {
  step.rejected.push_back(Error{code, 0, std::move(detail)});
  message_.clear();
}

Step MessageSession::with_timer(Step step) const {
  if (receiver_.in_transfer()) {
    step.timer = std::chrono::duration_cast<std::chrono::milliseconds>(kReceiverTimeout);
  } else {
    step.timer.reset();
  }
  return step;
}

}  // namespace kotona::drivers::astm
