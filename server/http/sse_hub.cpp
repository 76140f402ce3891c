#include "server/http/sse_hub.h"

#include <algorithm>
#include <boost/json.hpp>

#include "core/log.h"
#include "server/http/api_json.h"
#include "server/store/json_text.h"

namespace kotona::server::http {

namespace {
constexpr std::string_view kLog = "sse";
constexpr int kPollPage = 500;
}  // namespace

void SseHub::follow(store::Store& store, Counters& counters, std::chrono::milliseconds interval) {
  store_ = &store;
  counters_ = &counters;
  interval_ = interval;
  schedule_poll();
}

std::shared_ptr<SseSubscriber> SseHub::subscribe() {
  if (store_ && subscribers_.empty()) {
    // Nobody listened, so nothing was read: start from what is committed now. A stream that
    // wants older events asks for them with Last-Event-ID (replayed from the store).
    auto last = store_->alert_book().last_event_id();
    if (last) {
      cursor_ = std::max(cursor_, *last);
    } else {
      counters_->add("sse_poll_error");
      log_error(kLog, "event cursor: " + describe(last.error()));
    }
  }
  auto subscriber = std::make_shared<SseSubscriber>(io_);
  subscribers_.insert(subscriber);
  return subscriber;
}

void SseHub::unsubscribe(const std::shared_ptr<SseSubscriber>& subscriber) {
  subscribers_.erase(subscriber);
}

void SseHub::publish(const std::vector<store::StoredAlert>& alerts) {
  if (alerts.empty() || subscribers_.empty()) return;
  if (store_) {
    // Not the alerts themselves: another instance may have committed lower ids that this hub
    // has not read yet, and they must go out first. Our commit is done, so the read sees them.
    catch_up();
    return;
  }
  std::vector<SseFrame> frames;
  for (const auto& alert : alerts) frames.push_back(make_sse_frame(alert));
  fan_out(frames);
}

void SseHub::fan_out(const std::vector<SseFrame>& frames) {
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

// Fans out every event after the cursor, page by page, and moves the cursor past them.
void SseHub::catch_up() {
  if (subscribers_.empty() || closed_) return;
  while (true) {
    auto page = store_->alert_book().alerts_after(cursor_, kPollPage);
    if (!page) {
      counters_->add("sse_poll_error");
      if (!failing_) log_error(kLog, "event poll: " + describe(page.error()));
      failing_ = true;
      return;
    }
    if (failing_) log_info(kLog, "event poll works again");
    failing_ = false;
    if (page->empty()) return;
    std::vector<SseFrame> frames;
    for (const auto& alert : *page) frames.push_back(make_sse_frame(alert));
    cursor_ = frames.back().event_id;
    counters_->add("sse_events_read", frames.size());
    fan_out(frames);
    if (page->size() < static_cast<std::size_t>(kPollPage)) return;
  }
}

void SseHub::schedule_poll() {
  if (closed_) return;
  poll_timer_.expires_after(interval_);
  poll_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || closed_) return;
    catch_up();
    schedule_poll();
  });
}

void SseHub::close_all() {
  closed_ = true;
  poll_timer_.cancel();
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
