// The sender half of ASTM E1381 / CLSI LIS01-A2 §6 over a file descriptor: ENQ, frames one by
// one with ACK/NAK, EOT. Blocking with poll() and deadlines; fine for a test tool, not for
// gateway code. Not thread-safe; one caller per fd.
#pragma once

#include <atomic>
#include <chrono>
#include <vector>

#include "firmware-sim/astm_encoder.h"

namespace kotona::firmware_sim {

enum class SendOutcome {
  kDelivered,  // every frame ACKed, EOT sent: the receiver has the whole message
  kRefused,    // ENQ answered NAK or not at all; nothing was sent
  kAborted,    // a frame NAKed 6 times or unanswered; EOT sent
  kStopped,    // stop flag raised while waiting
  kIoError,    // the fd failed
  kCut,        // SenderOptions::cut_last_frame: the last frame went out half; caller unplugs
};

const char* to_string(SendOutcome outcome);

struct SenderOptions {
  std::chrono::milliseconds reply_timeout{15000};  // LIS01-A2 §6.5.2: 15 s sender timer
  int max_attempts = 6;                            // §6.3.3: abort after 6 failed attempts
  const std::atomic<bool>* stop = nullptr;         // optional: give up when it becomes true
  bool cut_last_frame = false;  // fault: write half of the message's last frame, then kCut
};

// Sends `frames` as one transfer on `fd` (non-blocking or blocking). While `corrupt_frames` is
// above 0 each frame sent (retransmissions included) goes out with a wrong checksum and the
// count drops by one: 1 is one bad frame, 6 or more a NAK storm that aborts the transfer.
SendOutcome send_message(int fd, const std::vector<Bytes>& frames, const SenderOptions& options,
                         int& corrupt_frames);

// Writes all of `bytes` before `timeout`. False on error or timeout.
bool write_all(int fd, const Bytes& bytes, std::chrono::milliseconds timeout);

// Reads and discards whatever is waiting on `fd` (stray ACKs, echoes).
void drain(int fd);

}  // namespace kotona::firmware_sim
