// SseHub: fans committed alerts out to open Server-Sent-Events streams. Each subscriber has a
// bounded queue; one that falls more than kMaxQueuedEvents behind is marked overflowed and its
// stream is closed rather than buffering without bound. io thread only (not thread-safe).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "server/store/types.h"

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
  explicit SseHub(boost::asio::io_context& io) : io_(io) {}
  // shared_ptr: the hub and the stream coroutine both hold it until unsubscribe().
  std::shared_ptr<SseSubscriber> subscribe();
  void unsubscribe(const std::shared_ptr<SseSubscriber>& subscriber);
  // Queues one frame per alert for every subscriber and wakes them.
  void publish(const std::vector<store::StoredAlert>& alerts);
  // Marks every stream closed (server shutdown).
  void close_all();
  std::size_t size() const { return subscribers_.size(); }

 private:
  boost::asio::io_context& io_;
  std::set<std::shared_ptr<SseSubscriber>> subscribers_;
};

// The SSE text of one alert event.
SseFrame make_sse_frame(const store::StoredAlert& alert);

}  // namespace kotona::server::http
