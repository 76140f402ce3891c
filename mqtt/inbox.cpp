#include "mqtt/inbox.h"

#include <boost/asio/post.hpp>

namespace kotona::mqtt_link {

void MessageInbox::push(std::string topic, std::string payload) {
  std::lock_guard lock(mutex_);
  queue_.emplace_back(std::move(topic), std::move(payload));
  if (drain_posted_) return;
  drain_posted_ = true;
  post_drain();
}

void MessageInbox::post_drain() {
  boost::asio::post(io_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->drain_one();
  });
}

void MessageInbox::drain_one() {
  std::pair<std::string, std::string> next;
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) {
      drain_posted_ = false;
      return;
    }
    next = std::move(queue_.front());
    queue_.pop_front();
    drain_posted_ = !queue_.empty();
    if (drain_posted_) post_drain();
  }
  if (!closed_ && handler_) handler_(next.first, next.second);
}

}  // namespace kotona::mqtt_link
