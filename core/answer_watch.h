// AnswerWatch: the liveness bookkeeping of a client that talks to an asynchronous library
// answering by callback (mqtt/session.cpp over Paho: its coroutine awaits each answer with a
// timeout and keeps the watch for the unreported loss). Paho 1.3
// has been seen to answer a connect or a subscribe neither way, and to drop a connection
// without the connection-lost call (partitions chaos test, docs/reliability.md); a client that
// waits for those forever never reconnects. The owner arms the watch when a request goes out,
// clears it on the answer, and calls check() periodically; the verdict says when to give up.
// Pure bookkeeping on a caller-given steady time: no clock, no I/O, not thread-safe.
#pragma once

#include <chrono>
#include <optional>

namespace kotona {

class AnswerWatch {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Verdict {
    kFine,
    kNoAnswer,        // the request waited longer than answer_timeout: start over
    kLostUnreported,  // the library says disconnected, no lost call came: treat as lost
  };

  AnswerWatch(Clock::duration answer_timeout, Clock::duration unreported_down_after)
      : answer_timeout_(answer_timeout), unreported_down_after_(unreported_down_after) {}

  // A request (a string literal: "connect", "subscribe") now waits for its answer.
  void expect(const char* request, Clock::time_point now) {
    waiting_for_ = request;
    waiting_since_ = now;
  }
  // The answer came, or a retry timer owns the next step: nothing is awaited.
  void clear() { waiting_for_ = nullptr; }
  const char* waiting_for() const { return waiting_for_; }

  // `session_up`: the owner counts its session established; `library_connected`: the library
  // reports itself connected. kNoAnswer and kLostUnreported reset the watch.
  Verdict check(Clock::time_point now, bool session_up, bool library_connected) {
    if (waiting_for_ != nullptr && now - waiting_since_ > answer_timeout_) {
      last_given_up_ = waiting_for_;
      waiting_for_ = nullptr;
      down_since_.reset();
      return Verdict::kNoAnswer;
    }
    if (!session_up || library_connected) {
      down_since_.reset();
      return Verdict::kFine;
    }
    if (!down_since_) {
      down_since_ = now;
    } else if (now - *down_since_ >= unreported_down_after_) {
      down_since_.reset();
      return Verdict::kLostUnreported;
    }
    return Verdict::kFine;
  }
  // The request the last kNoAnswer gave up, for the log line.
  const char* given_up() const { return last_given_up_; }

 private:
  Clock::duration answer_timeout_;
  Clock::duration unreported_down_after_;
  const char* waiting_for_ = nullptr;
  const char* last_given_up_ = "";
  Clock::time_point waiting_since_{};
  std::optional<Clock::time_point> down_since_;
};

}  // namespace kotona
