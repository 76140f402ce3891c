#include "server/http/sse_hub.h"

#include <boost/json.hpp>

#include "server/http/api_json.h"
#include "server/store/json_text.h"

namespace kotona::server::http {

std::shared_ptr<SseSubscriber> SseHub::subscribe() {
  auto subscriber = std::make_shared<SseSubscriber>(io_);
  subscribers_.insert(subscriber);
  return subscriber;
}

void SseHub::unsubscribe(const std::shared_ptr<SseSubscriber>& subscriber) {
  subscribers_.erase(subscriber);
}

void SseHub::publish(const std::vector<store::StoredAlert>& alerts) {
  if (alerts.empty() || subscribers_.empty()) return;
  std::vector<SseFrame> frames;
  for (const auto& alert : alerts) frames.push_back(make_sse_frame(alert));
  for (const auto& subscriber : subscribers_) {
    if (subscriber->frames.size() + frames.size() > kMaxQueuedEvents) {
      subscriber->overflowed = true;
      subscriber->frames.clear();
    } else {
      subscriber->frames.insert(subscriber->frames.end(), frames.begin(), frames.end());
    }
    subscriber->wake.cancel();
  }
}

void SseHub::close_all() {
  for (const auto& subscriber : subscribers_) {
    subscriber->closed = true;
    subscriber->wake.cancel();
  }
}

SseFrame make_sse_frame(const store::StoredAlert& alert) {
  return SseFrame{alert.event_id, alert.patient.value, "id: " + std::to_string(alert.event_id) +
                                      "\nevent: alert\ndata: " +
                                      store::to_json_text(alert_json(alert)) + "\n\n"};
}

}  // namespace kotona::server::http
