// MessageInbox: messages arriving on Paho's threads, handed to the io thread one per
// io_context turn, so work queued meanwhile (an HTTP request, a timer) waits for one message's
// handling, not for a whole backlog (issue 22: /healthz took over 3 s during a heavy drain).
// A turn takes at most `per_turn` messages, those already waiting (it never waits for more),
// then calls `turn_end`: the server's ingest stores a turn's batches in one transaction
// (issue 15, group commit); the hub takes one per turn.
// Create with std::make_shared; push() from any thread; the handlers run on the io thread
// until close().
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace kotona::mqtt_link {

class MessageInbox : public std::enable_shared_from_this<MessageInbox> {
 public:
  using Handler = std::function<void(const std::string& topic, const std::string& payload)>;
  MessageInbox(boost::asio::io_context& io, Handler handler, std::function<void()> turn_end = {},
               std::size_t per_turn = 1)
      : io_(io),
        handler_(std::move(handler)),
        turn_end_(std::move(turn_end)),
        per_turn_(per_turn == 0 ? 1 : per_turn) {}

  void push(std::string topic, std::string payload);
  // No handler call after this returns (io thread).
  void close() { closed_ = true; }
  // For the handler (io thread): how long the message it is handling waited here, from push()
  // to the call (issue 15: do batches wait in the inbox or do their acks come back late?).
  std::chrono::steady_clock::duration waited() const { return waited_; }

 private:
  void post_drain();
  void drain_turn();

  boost::asio::io_context& io_;
  Handler handler_;
  std::function<void()> turn_end_;
  std::size_t per_turn_;
  struct Message {
    std::string topic;
    std::string payload;
    std::chrono::steady_clock::time_point pushed;
  };
  bool closed_ = false;                           // io thread only
  std::chrono::steady_clock::duration waited_{};  // io thread only
  std::mutex mutex_;
  std::deque<Message> queue_;                              // guarded by mutex_
  bool drain_posted_ = false;                              // guarded by mutex_
};

}  // namespace kotona::mqtt_link
