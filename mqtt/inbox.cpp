#include "mqtt/inbox.h"

#include <boost/asio/post.hpp>

namespace kotona::mqtt_link {

void MessageInbox::push(std::string topic, std::string payload) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  queue_.push_back({std::move(topic), std::move(payload), now});
  if (drain_posted_) return;
  drain_posted_ = true;
  post_drain();
}

void MessageInbox::post_drain() {
  boost::asio::post(io_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->drain_turn();
  });
}

void MessageInbox::drain_turn() {
  std::vector<Message> turn;
  {
    std::lock_guard lock(mutex_);
    while (!queue_.empty() && turn.size() < per_turn_) {
      turn.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    drain_posted_ = !queue_.empty();
    if (drain_posted_) post_drain();
  }
  if (turn.empty()) return;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& m : turn) {
    waited_ = now - m.pushed;
    if (!closed_ && handler_) handler_(m.topic, m.payload);
  }
  if (!closed_ && turn_end_) turn_end_();
}

}  // namespace kotona::mqtt_link
