#include "firmware-sim/relay_device.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "core/log.h"
#include "firmware-sim/astm_sender.h"

namespace kotona::firmware_sim {

namespace {
constexpr const char* kLog = "firmware-sim";
constexpr int kMaxAttempts = 5;  // protocol doc: then pause --retry-ms
const char* kLoopPresets[] = {"ok", "af", "ok", "shock"};
}  // namespace

RelayDevice::RelayDevice(SimOptions options, const std::atomic<bool>& stop)
    : options_(std::move(options)), stop_(stop), next_number_(options_.first_record) {
  info_.relay_serial = options_.relay_serial;
  info_.relay_firmware = options_.info.firmware;
  info_.implant_vendor = options_.info.vendor;
  info_.implant_model = options_.info.model;
  info_.implant_serial = options_.info.serial;
}

Result<void> RelayDevice::plug() {
  auto pty = Pty::open(options_.link);
  if (!pty) return fail(pty.error());
  pty_.emplace(std::move(pty).value());
  rx_.clear();
  log_info(kLog, "device ready on " + pty_->device_path() + " (pty " + pty_->slave_path() + ")");
  return {};
}

void RelayDevice::unplug() {
  if (pty_) log_info(kLog, "unplugged " + pty_->device_path());
  pty_.reset();
}

Result<void> RelayDevice::run() {
  for (const ScriptStep& step : options_.script) {
    if (stop_) return {};
    auto ok = run_step(step);
    if (!ok) return ok;
  }
  serve_until(Clock::time_point::max());
  return {};
}

Result<void> RelayDevice::run_step(const ScriptStep& step) {
  using Kind = ScriptStep::Kind;
  switch (step.kind) {
    case Kind::kMeasure:
      measure(step.preset);
      break;
    case Kind::kWait:
      serve_until(Clock::now() + step.duration);
      break;
    case Kind::kGarbage:
      write_garbage(step.count);
      break;
    case Kind::kBadChecksum:
      corrupt_frames_ = 1;
      break;
    case Kind::kNakStorm:
      corrupt_frames_ = static_cast<int>(step.count);
      break;
    case Kind::kResendAll:
      deliver(true);
      break;
    case Kind::kResetCounter:  // not a relay feature: its summary numbers are its own
    case Kind::kBadReport:     // USB HID only (astm-glucose --transport hid)
      break;
    case Kind::kUnplug:
      unplug();
      break;
    case Kind::kUnplugMidFrame:
      cut_next_frame_ = true;
      break;
    case Kind::kReplug:
      if (!pty_) {
        auto plugged = plug();
        // --resend-on-connect: a meter that dumps its whole memory on every connection.
        if (plugged && options_.resend_on_connect) deliver(true);
        return plugged;
      }
      break;
    case Kind::kHold:
      serve_until(Clock::time_point::max());
      break;
    case Kind::kLoop:
      while (!stop_) {
        measure(kLoopPresets[loop_count_++ % 4]);
        serve_until(Clock::now() + step.duration);
      }
      break;
  }
  return {};
}

void RelayDevice::measure(const std::string& preset) {
  memory_.push_back(Stored{ImplantSummarySim{next_number_++, preset, device_now()}, false});
  log_info(kLog, "interrogated implant: summary " + std::to_string(memory_.back().summary.number) +
                     " (" + preset + ")");
  deliver(false);
}

void RelayDevice::deliver(bool everything) {
  next_retry_ = Clock::now() + options_.retry;
  for (Stored& s : memory_) {
    if (stop_ || !pty_) return;  // unplugged: retry after replug
    if (!everything && s.delivered) continue;
    if (!send_one(s)) {
      log_warn(kLog, "summary " + std::to_string(s.summary.number) +
                         " not acknowledged; retry in " + std::to_string(options_.retry.count()) +
                         " ms");
      if (pty_) pty_->discard_unread();
      return;
    }
  }
}

bool RelayDevice::send_one(Stored& stored) {
  const std::uint8_t seq = next_seq_++;
  const Bytes frame = encode_relay_frame(kRelaySummary, seq,
                                         make_relay_summary(info_, stored.summary, device_now()));
  for (int attempt = 0; attempt < kMaxAttempts && pty_ && !stop_; ++attempt) {
    Bytes out = frame;
    if (corrupt_frames_ > 0) {
      --corrupt_frames_;
      out[out.size() - 1] ^= 0x5A;  // wrong CRC
    }
    if (cut_next_frame_) {
      cut_next_frame_ = false;
      out.resize(out.size() / 2);
      (void)write_all(pty_->master_fd(), out, options_.reply_timeout);
      log_info(kLog, "unplugging mid-frame after " + std::to_string(out.size()) + " byte(s)");
      unplug();
      return false;
    }
    if (!write_all(pty_->master_fd(), out, options_.reply_timeout)) return false;
    const Reply reply = await_reply(seq);
    if (reply == Reply::kAcked) {
      record_delivered(stored);
      return true;
    }
    if (reply == Reply::kGone) return false;
    log_info(kLog, std::string("summary ") + std::to_string(stored.summary.number) +
                       (reply == Reply::kNaked ? ": NAK" : ": no reply") + ", retransmitting");
  }
  return false;
}

RelayDevice::Reply RelayDevice::await_reply(std::uint8_t seq) {
  const auto deadline = Clock::now() + options_.reply_timeout;
  while (!stop_ && pty_ && Clock::now() < deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd p{pty_->master_fd(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 100))) > 0) {
      std::uint8_t buf[256];
      const ssize_t n = ::read(pty_->master_fd(), buf, sizeof buf);
      if (n > 0) rx_.insert(rx_.end(), buf, buf + n);
    }
    while (!rx_.empty()) {
      const RelayReply r = scan_relay_reply(rx_);
      if (r.consumed == 0) break;
      rx_.erase(rx_.begin(), rx_.begin() + static_cast<std::ptrdiff_t>(r.consumed));
      if (!r.type) continue;  // noise or a damaged reply: wait for the timeout
      if (*r.type != kRelayAck && *r.type != kRelayNak) {
        // Read-only relay: nothing from the hub ever reaches the implant.
        log_warn(kLog, "refused hub frame type " + std::to_string(*r.type) + " (read-only relay)");
        continue;
      }
      if (r.seq != seq) continue;  // a late reply to an earlier attempt
      return *r.type == kRelayAck ? Reply::kAcked : Reply::kNaked;
    }
  }
  return pty_ ? Reply::kNone : Reply::kGone;
}

void RelayDevice::record_delivered(Stored& stored) {
  log_info(kLog, "delivered summary " + std::to_string(stored.summary.number));
  if (stored.delivered) return;
  stored.delivered = true;
  if (options_.ledger.empty()) return;
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::ofstream ledger(options_.ledger, std::ios::app);
  ledger << relay_ledger_line(info_, stored.summary, now_ms) << '\n';
}

bool RelayDevice::has_undelivered() const {
  return std::any_of(memory_.begin(), memory_.end(), [](const Stored& s) { return !s.delivered; });
}

void RelayDevice::serve_until(Clock::time_point deadline) {
  while (!stop_ && Clock::now() < deadline) {
    if (has_undelivered() && pty_ && Clock::now() >= next_retry_) {
      deliver(false);
      continue;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::min(deadline, has_undelivered() ? next_retry_ : deadline) - Clock::now());
    const int timeout_ms = static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 100));
    if (!pty_) {
      (void)::poll(nullptr, 0, timeout_ms);
      continue;
    }
    pollfd p{pty_->master_fd(), POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) > 0) drain(pty_->master_fd());  // stray replies
  }
}

void RelayDevice::write_garbage(std::size_t count) {
  if (!pty_) return;
  Bytes bytes;
  std::uniform_int_distribution<int> any(0, 255);
  while (bytes.size() < count) {
    const auto b = static_cast<std::uint8_t>(any(rng_));
    if (b != kRelaySof) bytes.push_back(b);
  }
  if (!write_all(pty_->master_fd(), bytes, options_.reply_timeout)) {
    log_warn(kLog, "garbage: write failed");
  }
  log_info(kLog, "wrote " + std::to_string(count) + " garbage byte(s)");
}

std::chrono::sys_seconds RelayDevice::device_now() const {
  if (options_.clock_fixed) return *options_.clock_fixed;
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) +
         options_.clock_offset;
}

}  // namespace kotona::firmware_sim
