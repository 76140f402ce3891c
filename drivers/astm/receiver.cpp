#include "drivers/astm/receiver.h"

#include "drivers/astm/frame.h"

namespace kotona::drivers::astm {

namespace {

ReceiverEvent make_event(ReceiverEvent::Kind kind) { return ReceiverEvent{kind, {}, {}}; }

ReceiverEvent make_error(Errc code, std::size_t offset, std::string detail) {
  return ReceiverEvent{ReceiverEvent::Kind::kError, {}, Error{code, offset, std::move(detail)}};
}

// FNV-1a: tells a sender's repeat of the same over-long frame from another one.
std::uint64_t fingerprint(const std::vector<std::uint8_t>& bytes) {
  std::uint64_t h = 14695981039346656037ULL;
  for (std::uint8_t b : bytes) h = (h ^ b) * 1099511628211ULL;
  return h;
}

}  // namespace

std::vector<ReceiverEvent> Receiver::feed(std::span<const std::uint8_t> bytes) {
  std::vector<ReceiverEvent> out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    switch (state_) {
      case State::kIdle:
        on_idle_byte(bytes[i], i, out);
        break;
      case State::kBetweenFrames:
        on_between_byte(bytes[i], i, out);
        break;
      case State::kInFrame:
        on_frame_byte(bytes[i], out);
        break;
    }
  }
  flush_garbage(out);
  return out;
}

std::vector<ReceiverEvent> Receiver::on_timeout() {
  std::vector<ReceiverEvent> out;
  report_abandoned(out);
  if (in_transfer()) {
    out.push_back(
        make_error(Errc::kTruncated, frame_.size(), "receiver timeout: transfer abandoned"));
  }
  reset();
  return out;
}

std::vector<ReceiverEvent> Receiver::refuse_last_frame() {
  std::vector<ReceiverEvent> out;
  if (!before_last_ || state_ != State::kBetweenFrames) return out;
  record_ = std::move(before_last_->record);
  expected_number_ = before_last_->expected_number;
  last_accepted_ = before_last_->last_accepted;
  before_last_.reset();
  out.push_back(make_event(ReceiverEvent::Kind::kSendNak));
  return out;
}

void Receiver::reset() {
  before_last_.reset();
  oversize_pending_.reset();  // oversize_reported_ stays: the meter will retry that frame
  state_ = State::kIdle;
  frame_.clear();
  record_.clear();
  expected_number_ = 1;
  last_accepted_.reset();
  garbage_bytes_ = 0;
}

void Receiver::start_transfer(std::vector<ReceiverEvent>& out) {
  // LIS01-A2 §6.2: establishment phase; the first frame of a transfer is numbered 1.
  reset();
  state_ = State::kBetweenFrames;
  out.push_back(make_event(ReceiverEvent::Kind::kSendAck));
}

void Receiver::on_idle_byte(std::uint8_t byte, std::size_t offset,
                            std::vector<ReceiverEvent>& out) {
  if (byte == kEnq) {
    flush_garbage(out);
    start_transfer(out);
    return;
  }
  // Frames or EOT without ENQ are not for us (§6.2): the sender times out and retries.
  note_garbage(offset);
}

void Receiver::on_between_byte(std::uint8_t byte, std::size_t offset,
                               std::vector<ReceiverEvent>& out) {
  if (byte == kStx) {
    flush_garbage(out);
    frame_.assign(1, byte);
    state_ = State::kInFrame;
  } else if (byte == kEot) {
    flush_garbage(out);
    report_abandoned(out);
    if (!record_.empty()) {
      out.push_back(
          make_error(Errc::kTruncated, 0, "EOT inside a record (ETB frame not completed)"));
    }
    reset();
    out.push_back(make_event(ReceiverEvent::Kind::kEndOfTransfer));
  } else if (byte == kEnq) {
    // The sender restarted (it gave up on us): a new transfer, numbered from 1 again.
    flush_garbage(out);
    report_abandoned(out);
    if (!record_.empty()) out.push_back(make_error(Errc::kTruncated, 0, "ENQ inside a record"));
    start_transfer(out);
  } else {
    note_garbage(offset);
  }
}

void Receiver::on_frame_byte(std::uint8_t byte, std::vector<ReceiverEvent>& out) {
  if (byte == kStx || byte == kEot || byte == kEnq) {
    // A control character a frame cannot hold: the frame was cut short. Report it, NAK it,
    // then treat the byte as if it arrived between frames.
    out.push_back(make_error(Errc::kTruncated, frame_.size(), "frame cut short"));
    out.push_back(make_event(ReceiverEvent::Kind::kSendNak));
    frame_.clear();
    state_ = State::kBetweenFrames;
    on_between_byte(byte, 0, out);
    return;
  }
  frame_.push_back(byte);
  before_last_.reset();  // a new frame arrived: the last one was answered
  if (byte == kLf) {
    finish_frame(out);
  } else if (frame_.size() > kMaxAcceptedFrameBytes) {
    out.push_back(
        make_error(Errc::kMalformed, frame_.size() - 1,
                   "frame longer than " + std::to_string(kMaxAcceptedFrameBytes) + " bytes"));
    out.push_back(make_event(ReceiverEvent::Kind::kSendNak));
    oversize_pending_ = fingerprint(frame_);
    frame_.clear();
    state_ = State::kBetweenFrames;
  }
}

void Receiver::finish_frame(std::vector<ReceiverEvent>& out) {
  state_ = State::kBetweenFrames;
  auto frame = parse_frame(frame_);
  frame_.clear();
  if (!frame) {
    out.push_back(ReceiverEvent{ReceiverEvent::Kind::kError, {}, frame.error()});
    out.push_back(make_event(ReceiverEvent::Kind::kSendNak));
    return;
  }
  if (last_accepted_ && frame->number == *last_accepted_) {
    // §6.3.2: our ACK was lost and the sender repeated the frame. Acknowledge, don't deliver.
    out.push_back(make_event(ReceiverEvent::Kind::kSendAck));
    return;
  }
  if (frame->number != expected_number_) {
    out.push_back(make_error(Errc::kMalformed, 1,
                             "frame number " + std::to_string(frame->number) + ", expected " +
                                 std::to_string(expected_number_)));
    out.push_back(make_event(ReceiverEvent::Kind::kSendNak));
    return;
  }
  if (record_.size() + frame->text.size() > kMaxRecordBytes) {
    out.push_back(make_error(Errc::kMalformed, 0, "record longer than 64 KiB"));
    out.push_back(make_event(ReceiverEvent::Kind::kSendNak));
    return;
  }
  before_last_ = BeforeFrame{record_, expected_number_, last_accepted_};
  oversize_pending_.reset();  // the sender moved on: the long frame was not its last word
  record_ += frame->text;
  last_accepted_ = frame->number;
  expected_number_ = static_cast<std::uint8_t>((frame->number + 1) % 8);
  if (frame->is_final) {
    out.push_back(ReceiverEvent{ReceiverEvent::Kind::kRecord, std::move(record_), {}});
    record_.clear();
  }
  out.push_back(make_event(ReceiverEvent::Kind::kSendAck));
}

void Receiver::report_abandoned(std::vector<ReceiverEvent>& out) {
  if (!oversize_pending_) return;
  const std::uint64_t frame = *oversize_pending_;
  oversize_pending_.reset();
  if (oversize_reported_ == frame) return;  // the meter's retry of a frame already reported
  oversize_reported_ = frame;
  out.push_back(ReceiverEvent{
      ReceiverEvent::Kind::kFrameAbandoned,
      {},
      Error{Errc::kUnsupported, 0,
            "the meter gave up on a frame over " + std::to_string(kMaxAcceptedFrameText) +
                " characters (refused): the records in it did not arrive"}});
}

void Receiver::note_garbage(std::size_t offset) {
  if (garbage_bytes_ == 0) garbage_offset_ = offset;
  ++garbage_bytes_;
}

void Receiver::flush_garbage(std::vector<ReceiverEvent>& out) {
  if (garbage_bytes_ == 0) return;
  out.push_back(make_error(Errc::kMalformed, garbage_offset_,
                           std::to_string(garbage_bytes_) + " byte(s) outside any frame ignored"));
  garbage_bytes_ = 0;
}

}  // namespace kotona::drivers::astm
