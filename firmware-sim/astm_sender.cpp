#include "firmware-sim/astm_sender.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

namespace kotona::firmware_sim {

namespace {

using Clock = std::chrono::steady_clock;

enum class Reply { kAck, kNak, kTimeout, kStopped, kIoError };

int poll_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  // Wake at least every 100 ms so a stop flag is noticed.
  return static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 100));
}

bool stopped(const SenderOptions& options) {
  return options.stop != nullptr && options.stop->load();
}

Reply wait_reply(int fd, const SenderOptions& options) {
  const auto deadline = Clock::now() + options.reply_timeout;
  while (Clock::now() < deadline) {
    if (stopped(options)) return Reply::kStopped;
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, poll_ms(deadline));
    if (n < 0 && errno != EINTR) return Reply::kIoError;
    if (n <= 0) continue;
    std::uint8_t buf[64];
    const ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (got <= 0) return Reply::kIoError;
    for (ssize_t i = 0; i < got; ++i) {
      if (buf[i] == kAck) return Reply::kAck;
      if (buf[i] == kNak) return Reply::kNak;
    }
  }
  return Reply::kTimeout;
}

Bytes corrupted(Bytes frame) {
  // C2 sits 3 bytes before the end (C1 C2 CR LF): swap it for another hex digit.
  std::uint8_t& c2 = frame[frame.size() - 3];
  c2 = c2 == '0' ? '1' : '0';
  return frame;
}

// One frame with retransmissions. kAck when the receiver took it.
Reply send_frame(int fd, const Bytes& frame, const SenderOptions& options, int& corrupt_frames) {
  for (int attempt = 0; attempt < options.max_attempts; ++attempt) {
    const bool corrupt = corrupt_frames > 0;
    if (corrupt) --corrupt_frames;
    if (!write_all(fd, corrupt ? corrupted(frame) : frame, options.reply_timeout)) {
      return Reply::kIoError;
    }
    const Reply reply = wait_reply(fd, options);
    if (reply != Reply::kNak) return reply;
  }
  return Reply::kNak;
}

}  // namespace

const char* to_string(SendOutcome outcome) {
  switch (outcome) {
    case SendOutcome::kDelivered:
      return "delivered";
    case SendOutcome::kRefused:
      return "refused (no ACK to ENQ)";
    case SendOutcome::kAborted:
      return "aborted (frame not acknowledged)";
    case SendOutcome::kStopped:
      return "stopped";
    case SendOutcome::kIoError:
      return "I/O error";
    case SendOutcome::kCut:
      return "cut mid-frame";
  }
  return "?";
}

bool write_all(int fd, const Bytes& bytes, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    if (Clock::now() >= deadline) return false;
    pollfd p{fd, POLLOUT, 0};
    (void)::poll(&p, 1, poll_ms(deadline));
  }
  return true;
}

void drain(int fd) {
  std::uint8_t buf[256];
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, 0) > 0 && (p.revents & POLLIN) != 0) {
    if (::read(fd, buf, sizeof buf) <= 0) return;
  }
}

SendOutcome send_message(int fd, const std::vector<Bytes>& frames, const SenderOptions& options,
                         int& corrupt_frames) {
  drain(fd);
  if (!write_all(fd, Bytes{kEnq}, options.reply_timeout)) return SendOutcome::kIoError;
  switch (wait_reply(fd, options)) {
    case Reply::kAck:
      break;
    case Reply::kStopped:
      return SendOutcome::kStopped;
    case Reply::kIoError:
      return SendOutcome::kIoError;
    default:
      return SendOutcome::kRefused;
  }
  for (const Bytes& frame : frames) {
    if (options.cut_last_frame && &frame == &frames.back()) {
      const Bytes half(frame.begin(),
                       frame.begin() + static_cast<std::ptrdiff_t>(frame.size() / 2));
      (void)write_all(fd, half, options.reply_timeout);
      return SendOutcome::kCut;
    }
    const Reply reply = send_frame(fd, frame, options, corrupt_frames);
    if (reply == Reply::kAck) continue;
    if (reply == Reply::kStopped) return SendOutcome::kStopped;
    if (reply == Reply::kIoError) return SendOutcome::kIoError;
    (void)write_all(fd, Bytes{kEot}, options.reply_timeout);  // §6.3.3 termination
    return SendOutcome::kAborted;
  }
  if (!write_all(fd, Bytes{kEot}, options.reply_timeout)) return SendOutcome::kIoError;
  return SendOutcome::kDelivered;
}

}  // namespace kotona::firmware_sim
