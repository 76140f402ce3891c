// SseHub: fans committed alert events out to open Server-Sent-Events streams. Each subscriber
// has a bounded queue; one that falls more than kMaxQueuedEvents behind is marked overflowed and
// its stream is closed rather than buffering without bound. With follow() (several server
// instances on one database) the hub reads the events table instead of trusting what this
// process published, so every instance's streams carry every instance's events, in id order.
// io thread only (not thread-safe).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/counters.h"
#include "server/store/store.h"

namespace kotona::server::http {

inline constexpr std::size_t kMaxQueuedEvents = 1000;

struct SseFrame {
  std::int64_t event_id = 0;
  std::string patient_id;  // whose alert: each stream sends only what its principal may see
  std::string text;  // "id: N\nevent: alert\ndata: {...}\n\n"
};

struct SseSubscriber {
  explicit SseSubscriber(boost::asio::io_context& io) : wake(io) {}
  std::deque<SseFrame> frames;
  boost::asio::steady_timer wake;  // cancelled to wake the stream's writer
  bool overflowed = false;
  bool closed = false;
};

class SseHub {
 public:
  explicit SseHub(boost::asio::io_context& io) : io_(io), poll_timer_(io) {}
  // Scale-out mode: from now on the hub fans out the events it reads from `store`'s
  // alert_events (ascending event_id, from a cursor), every `interval` and at once after each
  // publish(); what publish() is handed only triggers that read. Each event is fanned out once
  // and in id order, so a stream never sends a higher id before a lower one (which would make
  // it drop the lower one, invariant 8). Relies on ids becoming visible in id order (writers
  // serialised by the write lock, server/store/README.md). No reads while nobody subscribes.
  // REQUIRES: store and counters outlive the hub; interval > 0; called once, before subscribe().
  void follow(store::Store& store, Counters& counters, std::chrono::milliseconds interval);
  // shared_ptr: the hub and the stream coroutine both hold it until unsubscribe().
  std::shared_ptr<SseSubscriber> subscribe();
  void unsubscribe(const std::shared_ptr<SseSubscriber>& subscriber);
  // Alerts this process just committed. Queues one frame per alert for every subscriber and
  // wakes them (following: reads and fans out every event committed since the cursor).
  void publish(const std::vector<store::StoredAlert>& alerts);
  // Marks every stream closed and stops following (server shutdown).
  void close_all();
  std::size_t size() const { return subscribers_.size(); }
  bool following() const { return store_ != nullptr; }

 private:
  void fan_out(const std::vector<SseFrame>& frames);
  void catch_up();
  void schedule_poll();

  boost::asio::io_context& io_;
  std::set<std::shared_ptr<SseSubscriber>> subscribers_;
  // Following (scale-out) only:
  store::Store* store_ = nullptr;
  Counters* counters_ = nullptr;
  std::chrono::milliseconds interval_{0};
  boost::asio::steady_timer poll_timer_;
  std::int64_t cursor_ = 0;  // every event_id <= cursor_ was fanned out (or predates subscribers)
  bool failing_ = false;     // the last read failed (logged once per failure streak)
  bool closed_ = false;
};

// The SSE text of one alert event.
SseFrame make_sse_frame(const store::StoredAlert& alert);

}  // namespace kotona::server::http
