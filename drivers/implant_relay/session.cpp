#include "drivers/implant_relay/session.h"

#include "drivers/implant_relay/parse.h"

namespace kotona::drivers::implant_relay {

Step Session::start() { return Step{}; }

Result<Step> Session::on_input(const Input& input) {
  if (std::holds_alternative<Connected>(input.event) ||
      std::holds_alternative<Disconnected>(input.event)) {
    Step step;
    if (!buffer_.empty()) {
      step.rejected.push_back(Error{Errc::kTruncated, 0, "port closed mid-frame"});
    }
    buffer_.clear();
    return step;
  }
  const auto* serial = std::get_if<SerialBytes>(&input.event);
  if (serial == nullptr) return fail(Errc::kUnsupported, "implant_relay takes serial input only");
  Step step;
  buffer_.insert(buffer_.end(), serial->bytes.begin(), serial->bytes.end());
  last_hub_time_ = input.hub_time;
  scan(input.hub_time, step);
  if (buffer_.size() > kMaxBuffered) {  // cannot happen with LEN <= 1024; bounded anyway
    step.rejected.push_back(Error{Errc::kOutOfRange, 0, "receive buffer overflow; dropped"});
    buffer_.clear();
  }
  return with_timer(std::move(step));
}

Step Session::on_timer() {
  Step step;
  if (!buffer_.empty()) {
    step.rejected.push_back(Error{
        Errc::kTruncated, 0,
        "frame incomplete after 2 s (" + std::to_string(buffer_.size()) + " byte(s)); resyncing"});
    buffer_.erase(buffer_.begin());
    scan(last_hub_time_, step);
  }
  return with_timer(std::move(step));
}

void Session::scan(HubTime hub_time, Step& step) {
  std::size_t pos = 0;
  while (pos < buffer_.size()) {
    const Scan s = scan_frame(std::span(buffer_).subspan(pos));
    if (s.kind == Scan::Kind::kNeedMore) break;
    if (s.kind == Scan::Kind::kFrame) {
      on_frame(s.frame, hub_time, step);
    } else {
      Error e = s.error;
      e.offset += pos;
      step.rejected.push_back(std::move(e));
      if (s.kind == Scan::Kind::kBadCrc) {
        step.commands.emplace_back(SerialWrite{encode_nak(s.frame.seq, NakReason::kCrc)});
      }
    }
    pos += s.consumed;
  }
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(pos));
}

void Session::on_frame(const Frame& frame, HubTime hub_time, Step& step) {
  step.commands.emplace_back(SerialWrite{encode_ack(frame.seq)});
  if (frame.type != kTypeSummary) {
    step.rejected.push_back(
        Error{Errc::kUnsupported, 0, "frame type " + std::to_string(frame.type) + " not handled"});
    return;
  }
  auto summary = parse_summary(frame.payload);
  if (!summary) {
    Error e = summary.error();
    e.detail = "summary refused: " + e.detail + " (payload byte " + std::to_string(e.offset) + ")";
    // ACKed (the same bytes again cannot fix it), so the summary lives on only in the relay:
    // the care team hears of it (invariant 13).
    step.refused_records.push_back(e);
    step.rejected.push_back(std::move(e));
    return;
  }
  Reading reading = std::move(summary->reading);
  reading.hub_time = hub_time;
  // The relay's clock error at transfer, not the age of the interrogation (invariant 6).
  reading.clock_offset = std::chrono::duration_cast<std::chrono::seconds>(
      summary->relay_clock - std::chrono::floor<std::chrono::seconds>(hub_time));
  step.readings.push_back(std::move(reading));
  for (auto& e : summary->rejected) {
    e.detail += " (payload byte " + std::to_string(e.offset) + ")";
    step.rejected.push_back(std::move(e));
  }
}

Step Session::with_timer(Step step) const {
  if (buffer_.empty()) {
    step.timer.reset();
  } else {
    step.timer = kInterByteTimeout;
  }
  return step;
}

}  // namespace kotona::drivers::implant_relay
