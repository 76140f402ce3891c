// Session::Impl: the MQTT session's state and its coroutine flow (mqtt/ only: it names
// Paho's types). session.cpp holds the flow, session_client.cpp the Paho client around it.
#pragma once

#include <mqtt/async_client.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/log.h"
#include "mqtt/backoff.h"
#include "mqtt/inbox.h"
#include "mqtt/session.h"

namespace kotona::mqtt_link::detail {

inline constexpr int kFirstFailureReason = 0x80;  // MQTT v5: reason codes >= 0x80 are failures
// A connection lost this soon after its CONNACK counts as short (renew_client_after).
inline constexpr std::chrono::seconds kQuickDrop{5};

inline std::string hex_reason(int reason) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(reason) & 0xffu);
  return buf;
}

struct Answer {
  bool ok = false;
  int reason = 0;
  std::string detail;
  bool accepted() const { return ok && reason < kFirstFailureReason; }
};

// Paho calls these on its own threads: the handler must only post onto the io_context. The
// request's number travels as Paho's user context, so a late answer to a request given up
// (or made by a replaced client) is told apart from the one awaited now.
class PostingListener : public mqtt::iaction_listener {
 public:
  using Handler = std::function<void(std::uint64_t id, Answer answer)>;
  explicit PostingListener(Handler handler) : handler_(std::move(handler)) {}
  void on_success(const mqtt::token& tok) override {
    handler_(id_of(tok), {true, static_cast<int>(tok.get_reason_code()), ""});
  }
  void on_failure(const mqtt::token& tok) override {
    handler_(id_of(tok), {false, static_cast<int>(tok.get_reason_code()),
                          "rc " + std::to_string(tok.get_return_code())});
  }

 private:
  static std::uint64_t id_of(const mqtt::token& tok) {
    return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(tok.get_user_context()));
  }
  Handler handler_;
};

inline void* context_of(std::uint64_t id) {
  return reinterpret_cast<void*>(static_cast<std::uintptr_t>(id));
}

}  // namespace kotona::mqtt_link::detail

namespace kotona::mqtt_link {

using detail::Answer;
using detail::PostingListener;

class Session::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(boost::asio::io_context& io, SessionOptions options, SessionEvents events,
       Counters& counters)
      : io_(io),
        opt_(std::move(options)),
        events_(std::move(events)),
        counters_(counters),
        request_listener_(posting([](Impl& s, std::uint64_t id, Answer a) {
          if (id != s.awaited_id_) return;  // given up, or not this client's
          s.answer_ = std::move(a);
          s.wake_.cancel();
        })),
        publish_listener_(posting([](Impl& s, std::uint64_t id, Answer a) {
          if (id < s.first_id_of_client_) return;
          if (s.unanswered_ > 0) --s.unanswered_;
          s.answered_at_ = std::chrono::steady_clock::now();
          if (!s.events_.published) return;
          s.events_.published(id, a.accepted(), a.reason, a.detail);
        })),
        wake_(io),
        backoff_(opt_.reconnect_min, opt_.reconnect_max),
        inbox_(std::make_shared<MessageInbox>(
            io,
            [this](const std::string& t, const std::string& p) {
              if (!stopping_ && events_.message) events_.message(t, p);
            },
            [this] {
              if (!stopping_ && events_.turn_end) events_.turn_end();
            },
            opt_.messages_per_turn)) {}
  ~Impl() { client_.reset(); }  // before the listeners it points to

  void start();
  void stop();
  bool up() const { return up_; }
  std::chrono::steady_clock::duration message_waited() const { return inbox_->waited(); }
  std::optional<std::uint64_t> publish(const std::string& topic, std::string_view payload, int qos);
  std::size_t publishes_unanswered() const { return unanswered_; }

 private:
  using Request = std::function<void(void* context)>;
  PostingListener::Handler posting(void (*fn)(Impl&, std::uint64_t, Answer)) {
    return [this, fn](std::uint64_t id, Answer answer) {
      boost::asio::post(io_,
                        [weak = weak_from_this(), fn, id, answer = std::move(answer)]() mutable {
                          auto self = weak.lock();
                          if (self && !self->stopping_) fn(*self, id, std::move(answer));
                        });
    };
  }
  boost::asio::awaitable<void> run(std::shared_ptr<Impl> self);
  boost::asio::awaitable<void> connect_and_serve();
  boost::asio::awaitable<bool> connect();
  boost::asio::awaitable<bool> subscribe_required();
  boost::asio::awaitable<void> subscribe_optional();
  boost::asio::awaitable<void> serve();
  boost::asio::awaitable<void> backoff();
  boost::asio::awaitable<std::optional<Answer>> ask(const char* what, Request request);
  bool create_client();
  void renew_client();
  void note_short();
  bool publishes_stalled();
  void give_up(const char* what);
  void lost();
  void set_nodelay();
  void fill_options(mqtt::connect_options& out);

  boost::asio::io_context& io_;
  SessionOptions opt_;
  SessionEvents events_;
  Counters& counters_;
  PostingListener request_listener_;
  PostingListener publish_listener_;
  std::unique_ptr<mqtt::async_client> client_;
  boost::asio::steady_timer wake_;  // the flow's one wait; answers, losses and stop() cancel it
  Backoff backoff_;
  std::uint64_t next_id_ = 1;             // requests and publishes, never reused
  std::uint64_t awaited_id_ = 0;          // the connect / subscribe the flow waits for
  std::uint64_t first_id_of_client_ = 0;  // answers to earlier publishes: a replaced client's
  std::uint64_t generation_ = 0;          // of client_: a replaced client's loss is not ours
  std::optional<Answer> answer_;
  std::optional<std::string> lost_;  // the connection-lost cause, set by Paho's report
  std::optional<std::chrono::steady_clock::time_point> accepted_at_;  // last CONNACK
  int short_in_a_row_ = 0;
  std::size_t unanswered_ = 0;  // publishes client_ took and has not answered
  // The last answer to a publish, or when the session came up or the first of the
  // unanswered publishes was taken: what publish_answer_timeout counts from.
  std::chrono::steady_clock::time_point answered_at_{};
  bool up_ = false;
  bool stopping_ = false;
  std::shared_ptr<MessageInbox> inbox_;  // filled on Paho's threads
};

}  // namespace kotona::mqtt_link
