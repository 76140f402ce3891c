// RelayDevice: the simulated pacemaker / ICD home relay (implant-relay) on a pty, speaking
// docs/implant-relay-protocol.md: one SUMMARY frame at a time, retransmitted on NAK or after the
// reply timeout (5 attempts, then a pause of --retry-ms), kept in memory until its ACK, then one
// ledger line. Any hub frame other than ACK/NAK is logged as refused and never acted upon (the
// relay's implant side takes no input). One thread, poll() loop; the stop flag may be set from
// a signal handler. Not thread-safe otherwise.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <random>
#include <vector>

#include "firmware-sim/options.h"
#include "firmware-sim/pty.h"
#include "firmware-sim/relay_encoder.h"

namespace kotona::firmware_sim {

class RelayDevice {
 public:
  // REQUIRES: options.device == "implant-relay".
  RelayDevice(SimOptions options, const std::atomic<bool>& stop);
  // Opens the pty and link, logs "device ready on LINK". Error kIo.
  [[nodiscard]] Result<void> plug();
  void unplug();
  // Runs the script, then holds (serving retries) until the stop flag is set.
  [[nodiscard]] Result<void> run();

 private:
  struct Stored {
    ImplantSummarySim summary;
    bool delivered = false;
  };
  using Clock = std::chrono::steady_clock;
  enum class Reply { kAcked, kNaked, kNone, kGone };

  [[nodiscard]] Result<void> run_step(const ScriptStep& step);
  void measure(const std::string& preset);
  void deliver(bool everything);
  bool send_one(Stored& stored);
  Reply await_reply(std::uint8_t seq);
  void serve_until(Clock::time_point deadline);
  void write_garbage(std::size_t count);
  void record_delivered(Stored& stored);
  bool has_undelivered() const;
  std::chrono::sys_seconds device_now() const;

  SimOptions options_;
  RelayInfo info_;
  const std::atomic<bool>& stop_;
  std::optional<Pty> pty_;
  std::vector<Stored> memory_;
  std::uint32_t next_number_;
  std::uint8_t next_seq_ = 0;
  int corrupt_frames_ = 0;
  bool cut_next_frame_ = false;  // unplug-mid-frame
  Bytes rx_;                     // hub bytes not yet scanned
  Clock::time_point next_retry_{};
  std::minstd_rand rng_{20261123};
  std::uint64_t loop_count_ = 0;
};

}  // namespace kotona::firmware_sim
