#include "firmware-sim/meter_device.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <utility>

#include "core/log.h"

namespace kotona::firmware_sim {

namespace {
constexpr const char* kLog = "firmware-sim";
// Control-solution / QC runs report these fixed values (a level-2 INR control, a normal
// glucose control solution).
constexpr double kInrControl = 2.4;
constexpr double kGlucoseControlMmol = 6.1;
}  // namespace

MeterDevice::MeterDevice(SimOptions options, const std::atomic<bool>& stop)
    : options_(std::move(options)), stop_(stop), next_record_(options_.first_record) {}

Result<void> MeterDevice::plug() {
  if (options_.hid) {
    const HidIdentity identity{options_.usb_vendor, options_.usb_product,
                               "Bayer HealthCare LLC Contour Next USB"};
    auto hid = HidPort::open(options_.link, options_.hid_sysfs, identity);
    if (!hid) return fail(hid.error());
    hid_ = std::move(*hid);
    log_info(kLog, "device ready on " + hid_->device_path() + " (USB HID node)");
    return {};
  }
  auto pty = Pty::open(options_.link);
  if (!pty) return fail(pty.error());
  pty_.emplace(std::move(pty).value());
  log_info(kLog, "device ready on " + pty_->device_path() + " (pty " + pty_->slave_path() + ")");
  return {};
}

void MeterDevice::unplug() {
  if (pty_) log_info(kLog, "unplugged " + pty_->device_path());
  if (hid_) log_info(kLog, "unplugged " + hid_->device_path());
  pty_.reset();
  hid_.reset();
}

void MeterDevice::discard_unread() {
  if (hid_) hid_->discard_unread();
  if (pty_) pty_->discard_unread();
}

Result<void> MeterDevice::run() {
  for (const ScriptStep& step : options_.script) {
    if (stop_) return {};
    auto ok = run_step(step);
    if (!ok) return ok;
  }
  serve_until(Clock::time_point::max());
  return {};
}

Result<void> MeterDevice::run_step(const ScriptStep& step) {
  using Kind = ScriptStep::Kind;
  switch (step.kind) {
    case Kind::kMeasure:
      if (step.is_control) {
        measure(is_inr() ? kInrControl : kGlucoseControlMmol, false, true);
      } else {
        measure(step.value, step.is_mg_per_dl, false, step.shown);
      }
      break;
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
    case Kind::kBadReport:
      if (hid_) hid_->send_bad_reports(step.count);
      break;
    case Kind::kUnplug: unplug(); break;
    case Kind::kReplug:
      if (!plugged()) {
        auto plugged = plug();
        // --resend-on-connect: a meter that dumps its whole memory on every connection.
        if (plugged && options_.resend_on_connect) deliver(true);
        return plugged;
      }
      break;
    case Kind::kHold: serve_until(Clock::time_point::max()); break;
    case Kind::kLoop: run_loop(step.duration); break;
  }
  return {};
}

void MeterDevice::run_loop(std::chrono::milliseconds period) {
  while (!stop_) {
    // Plausible values in tenths; every 4th reading out of target so alert rules fire
    // (INR 4.8 above a 2..3 target, glucose 2.6 mmol/L below 3.0).
    const bool alert = ++loop_count_ % 4 == 0;
    std::uniform_int_distribution<int> tenths(is_inr() ? 20 : 45, is_inr() ? 30 : 85);
    const double value = alert ? (is_inr() ? 4.8 : 2.6) : tenths(rng_) / 10.0;
    measure(value, false, false);
    serve_until(Clock::now() + period);
  }
}

void MeterDevice::measure(double value, bool is_mg_per_dl, bool is_control,
                          const std::string& shown) {
  const MeterMeasurement m{next_record_++, value, is_mg_per_dl, is_control, device_now(), shown};
  memory_.push_back(Stored{m, false});
  char text[64];
  std::snprintf(text, sizeof text, "%s%g %s", is_control ? "control " : "", value,
                is_inr() ? "INR" : is_mg_per_dl ? "mg/dL" : "mmol/L");
  log_info(kLog, "measured record " + std::to_string(m.record) + ": " +
                     (shown.empty() ? text : shown + " (beyond the meter's range)"));
  deliver(false);
}

std::vector<Bytes> MeterDevice::encode(const std::vector<std::string>& records) const {
  const std::string& framing = options_.extras.framing;
  if (options_.extras.contour || framing == "etb-per-record") {
    return encode_message_etb_frames(records);  // Contour, cobas-class
  }
  if (framing == "one-frame") return encode_message_one_frame(records);  // Afinion-class
  return encode_message(records);
}

void MeterDevice::deliver(bool everything) {
  std::vector<std::size_t> indexes;
  std::vector<MeterMeasurement> batch;
  for (std::size_t i = 0; i < memory_.size(); ++i) {
    if (everything || !memory_[i].delivered) {
      indexes.push_back(i);
      batch.push_back(memory_[i].measurement);
    }
  }
  if (batch.empty()) return;
  next_retry_ = Clock::now() + options_.retry;
  if (!plugged()) return;  // unplugged: retry after replug
  const bool contour = options_.extras.contour;
  const auto records =
      is_inr()  ? make_inr_records(options_.info, options_.extras, device_now(), batch)
      : contour ? make_contour_records(options_.info, options_.extras, device_now(), batch)
                : make_glucose_records(options_.info, options_.extras, device_now(), batch);
  const SenderOptions sender{options_.reply_timeout, 6, &stop_,
                             std::exchange(cut_next_frame_, false)};
  const SendOutcome outcome = send_message(link_fd(), encode(records), sender, corrupt_frames_);
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
  if (outcome == SendOutcome::kRefused) discard_unread();  // nobody listening
  next_retry_ = Clock::now() + options_.retry;
}

void MeterDevice::record_delivered(const std::vector<std::size_t>& indexes) {
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
    if (ledger.is_open()) {
      const std::string id = options_.extras.contour ? contour_record_id(s.measurement) : "";
      ledger << meter_ledger_line(options_.device, options_.info.serial, s.measurement, now_ms,
                                  id)
             << '\n';
    }
  }
  ledger.flush();
  log_info(kLog, "delivered records" + records);
}

bool MeterDevice::has_undelivered() const {
  return std::any_of(memory_.begin(), memory_.end(), [](const Stored& s) { return !s.delivered; });
}

void MeterDevice::serve_until(Clock::time_point deadline) {
  while (!stop_ && Clock::now() < deadline) {
    if (has_undelivered() && Clock::now() >= next_retry_) {
      deliver(false);
      continue;
    }
    const auto wake = has_undelivered() ? std::min(deadline, next_retry_) : deadline;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(wake - Clock::now());
    const int timeout_ms = static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 100));
    if (!plugged()) {
      pollfd none{-1, 0, 0};
      (void)::poll(&none, 0, timeout_ms);
      continue;
    }
    pollfd p{link_fd(), POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) > 0) drain(link_fd());  // stray bytes: not ours
  }
}

void MeterDevice::write_garbage(std::size_t count) {
  if (!plugged()) return;
  Bytes bytes;
  std::uniform_int_distribution<int> any(0, 255);
  while (bytes.size() < count) {
    const auto b = static_cast<std::uint8_t>(any(rng_));
    if (b != kEnq && b != kStx) bytes.push_back(b);
  }
  if (!write_all(link_fd(), bytes, options_.reply_timeout)) {
    log_warn(kLog, "garbage: write failed");
  }
  log_info(kLog, "wrote " + std::to_string(count) + " garbage byte(s)");
}

std::chrono::sys_seconds MeterDevice::device_now() const {
  if (options_.clock_fixed) return *options_.clock_fixed;
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) +
         options_.clock_offset;
}

}  // namespace kotona::firmware_sim
