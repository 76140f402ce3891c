// MeterDevice: the simulated ASTM INR meter (astm-inr) or glucose meter (astm-glucose). Same
// memory, delivery, retry and ledger behaviour as BpDevice: a reading stays in memory until a
// whole message got its final ACK, then goes to the ledger. One thread, poll() loop; the stop
// flag may be set from a signal handler. Not thread-safe otherwise.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <random>
#include <vector>

#include "firmware-sim/astm_sender.h"
#include "firmware-sim/hid_port.h"
#include "firmware-sim/meter_records.h"
#include "firmware-sim/options.h"
#include "firmware-sim/pty.h"

namespace kotona::firmware_sim {

class MeterDevice {
 public:
  // REQUIRES: options.device is "astm-inr" or "astm-glucose".
  MeterDevice(SimOptions options, const std::atomic<bool>& stop);
  // Opens the pty and link, logs "device ready on LINK". Error kIo.
  [[nodiscard]] Result<void> plug();
  void unplug();
  // Runs the script, then holds (serving retries) until the stop flag is set.
  [[nodiscard]] Result<void> run();

 private:
  struct Stored {
    MeterMeasurement measurement;
    bool delivered = false;
  };
  using Clock = std::chrono::steady_clock;

  [[nodiscard]] Result<void> run_step(const ScriptStep& step);
  void measure(double value, bool is_mg_per_dl, bool is_control, const std::string& shown = "");
  void run_loop(std::chrono::milliseconds period);
  void deliver(bool everything);
  // Frames for the configured dialect / --framing (astm_encoder.h).
  std::vector<Bytes> encode(const std::vector<std::string>& records) const;
  void serve_until(Clock::time_point deadline);
  void write_garbage(std::size_t count);
  void record_delivered(const std::vector<std::size_t>& indexes);
  bool has_undelivered() const;
  bool is_inr() const { return options_.device == "astm-inr"; }
  std::chrono::sys_seconds device_now() const;

  SimOptions options_;
  const std::atomic<bool>& stop_;
  // The link: a pty (serial), or a USB HID node (--transport hid); at most one is plugged.
  bool plugged() const { return pty_.has_value() || hid_ != nullptr; }
  int link_fd() const { return hid_ ? hid_->master_fd() : pty_->master_fd(); }
  void discard_unread();

  std::optional<Pty> pty_;
  std::unique_ptr<HidPort> hid_;
  std::vector<Stored> memory_;
  std::uint32_t next_record_;
  int corrupt_frames_ = 0;  // bad-checksum / nak-storm N
  bool cut_next_frame_ = false;  // unplug-mid-frame
  Clock::time_point next_retry_{};
  std::minstd_rand rng_{20261122};
  std::uint64_t loop_count_ = 0;
};

}  // namespace kotona::firmware_sim
