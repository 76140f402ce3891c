#include "firmware-sim/bp_device.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <utility>

#include "core/log.h"

namespace kotona::firmware_sim {

namespace {
constexpr const char* kLog = "firmware-sim";
}  // namespace

BpDevice::BpDevice(SimOptions options, const std::atomic<bool>& stop)
    : options_(std::move(options)), stop_(stop), next_record_(options_.first_record) {}

Result<void> BpDevice::plug() {
  auto pty = Pty::open(options_.link);
  if (!pty) return fail(pty.error());
  pty_.emplace(std::move(pty).value());
  log_info(kLog, "device ready on " + pty_->device_path() + " (pty " + pty_->slave_path() + ")");
  return {};
}

void BpDevice::unplug() {
  if (pty_) log_info(kLog, "unplugged " + pty_->device_path());
  pty_.reset();
}

Result<void> BpDevice::run() {
  for (const ScriptStep& step : options_.script) {
    if (stop_) return {};
    auto ok = run_step(step);
    if (!ok) return ok;
  }
  serve_until(Clock::time_point::max());
  return {};
}

Result<void> BpDevice::run_step(const ScriptStep& step) {
  using Kind = ScriptStep::Kind;
  switch (step.kind) {
    case Kind::kMeasure: measure(step.systolic, step.diastolic, step.pulse); break;
    case Kind::kWait: serve_until(Clock::now() + step.duration); break;
    case Kind::kGarbage: write_garbage(step.count); break;
    case Kind::kBadChecksum: corrupt_frames_ = 1; break;
    case Kind::kNakStorm: corrupt_frames_ = static_cast<int>(step.count); break;
    case Kind::kUnplugMidFrame: cut_next_frame_ = true; break;
    case Kind::kResendAll: deliver(true); break;
    case Kind::kResetCounter:  // battery change / factory reset: numbering restarts at 1
      next_record_ = 1;
      log_info(kLog, "record counter reset: the next record is 1");
      break;
    case Kind::kBadReport: break;  // USB HID only (astm-glucose --transport hid)
    case Kind::kUnplug: unplug(); break;
    case Kind::kReplug:
      if (!pty_) {
        auto plugged = plug();
        // --resend-on-connect: a meter that dumps its whole memory on every connection.
        if (plugged && options_.resend_on_connect) deliver(true);
        return plugged;
      }
      break;
    case Kind::kHold: serve_until(Clock::time_point::max()); break;
    case Kind::kLoop:
      while (!stop_) {
        // Plausible values; every 4th reading hypertensive so alert rules fire.
        const bool high = ++loop_count_ % 4 == 0;
        std::uniform_int_distribution<int> sys(112, 138), dia(68, 86), pulse(56, 92);
        measure(high ? 185 : sys(rng_), high ? 115 : dia(rng_), pulse(rng_));
        serve_until(Clock::now() + step.duration);
      }
      break;
  }
  return {};
}

void BpDevice::measure(int systolic, int diastolic, int pulse) {
  const BpMeasurement m{next_record_++, systolic, diastolic, pulse, device_now()};
  memory_.push_back(Stored{m, false});
  log_info(kLog, "measured record " + std::to_string(m.record) + ": " + std::to_string(systolic) +
                     "/" + std::to_string(diastolic) + " pulse " + std::to_string(pulse));
  deliver(false);
}

void BpDevice::deliver(bool everything) {
  std::vector<std::size_t> indexes;
  std::vector<BpMeasurement> batch;
  for (std::size_t i = 0; i < memory_.size(); ++i) {
    if (everything || !memory_[i].delivered) {
      indexes.push_back(i);
      batch.push_back(memory_[i].measurement);
    }
  }
  if (batch.empty()) return;
  next_retry_ = Clock::now() + options_.retry;
  if (!pty_) return;  // unplugged: retry after replug
  const auto frames = encode_message(make_bp_records(options_.info, device_now(), batch));
  const SenderOptions sender{options_.reply_timeout, 6, &stop_,
                             std::exchange(cut_next_frame_, false)};
  const SendOutcome outcome = send_message(pty_->master_fd(), frames, sender, corrupt_frames_);
  if (outcome == SendOutcome::kDelivered) {
    record_delivered(indexes);
    return;
  }
  if (outcome == SendOutcome::kCut) {
    log_info(kLog, "unplugging mid-frame (last frame of " + std::to_string(batch.size()) +
                       " record(s) half sent)");
    unplug();
    return;
  }
  log_warn(kLog, std::string("transfer of ") + std::to_string(batch.size()) + " record(s) " +
                     to_string(outcome) + "; retry in " + std::to_string(options_.retry.count()) +
                     " ms");
  if (outcome == SendOutcome::kRefused) pty_->discard_unread();  // nobody listening
  next_retry_ = Clock::now() + options_.retry;
}

void BpDevice::record_delivered(const std::vector<std::size_t>& indexes) {
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::ofstream ledger;
  if (!options_.ledger.empty()) ledger.open(options_.ledger, std::ios::app);
  std::string records;
  for (std::size_t i : indexes) {
    Stored& s = memory_[i];
    records += " " + std::to_string(s.measurement.record);
    if (s.delivered) continue;
    s.delivered = true;
    if (ledger.is_open()) ledger << ledger_line(options_.info.serial, s.measurement, now_ms) << '\n';
  }
  ledger.flush();
  log_info(kLog, "delivered records" + records);
}

bool BpDevice::has_undelivered() const {
  for (const Stored& s : memory_) {
    if (!s.delivered) return true;
  }
  return false;
}

void BpDevice::serve_until(Clock::time_point deadline) {
  while (!stop_ && Clock::now() < deadline) {
    if (has_undelivered() && Clock::now() >= next_retry_) {
      deliver(false);
      continue;
    }
    const auto wake = has_undelivered() ? std::min(deadline, next_retry_) : deadline;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(wake - Clock::now());
    const int timeout_ms = static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 100));
    if (!pty_) {
      pollfd none{-1, 0, 0};
      (void)::poll(&none, 0, timeout_ms);
      continue;
    }
    pollfd p{pty_->master_fd(), POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) > 0) drain(pty_->master_fd());  // stray bytes: not ours
  }
}

void BpDevice::write_garbage(std::size_t count) {
  if (!pty_) return;
  Bytes bytes;
  std::uniform_int_distribution<int> any(0, 255);
  while (bytes.size() < count) {
    const auto b = static_cast<std::uint8_t>(any(rng_));
    if (b != kEnq && b != kStx) bytes.push_back(b);
  }
  if (!write_all(pty_->master_fd(), bytes, options_.reply_timeout)) {
    log_warn(kLog, "garbage: write failed");
  }
  log_info(kLog, "wrote " + std::to_string(count) + " garbage byte(s)");
}

std::chrono::sys_seconds BpDevice::device_now() const {
  if (options_.clock_fixed) return *options_.clock_fixed;
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) +
         options_.clock_offset;
}

}  // namespace kotona::firmware_sim
