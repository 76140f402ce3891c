#include "mqtt/session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>

#include "core/answer_watch.h"
#include "core/log.h"
#include "mqtt/session_impl.h"

namespace kotona::mqtt_link {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using namespace detail;

namespace {

// The client reporting itself disconnected this long without a connection-lost call.
constexpr std::chrono::seconds kUnreportedDownAfter{2};
constexpr std::chrono::seconds kLivenessTick{1};
constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

std::uint16_t uri_port(std::string_view uri) {
  const auto colon = uri.rfind(':');
  unsigned port = 0;
  if (colon == std::string_view::npos) return 0;
  auto [end, ec] = std::from_chars(uri.data() + colon + 1, uri.data() + uri.size(), port);
  if (ec != std::errc{} || end != uri.data() + uri.size() || port > 65535) return 0;
  return static_cast<std::uint16_t>(port);
}

void Session::Impl::start() { asio::co_spawn(io_, run(shared_from_this()), asio::detached); }

asio::awaitable<void> Session::Impl::run(std::shared_ptr<Impl> self) {
  (void)self;  // keeps this object alive while the flow is suspended
  while (!stopping_) {
    co_await connect_and_serve();
    if (stopping_) break;
    co_await backoff();
  }
}

asio::awaitable<void> Session::Impl::connect_and_serve() {
  lost_.reset();
  answer_.reset();
  if (!client_ && !create_client()) co_return;
  const bool connected = co_await connect();
  if (!connected) co_return;
  const bool subscribed = co_await subscribe_required();
  if (!subscribed) co_return;
  up_ = true;
  answered_at_ = Clock::now();  // what Paho re-sends on a reconnect is answered from now on
  backoff_.reset();
  counters_.add("mqtt_connected");
  if (events_.up) events_.up();
  co_await subscribe_optional();
  co_await serve();
  if (!stopping_) lost();
}

asio::awaitable<std::optional<Answer>> Session::Impl::ask(const char* what, Request request) {
  answer_.reset();
  awaited_id_ = next_id_++;
  try {
    request(context_of(awaited_id_));
  } catch (const mqtt::exception& e) {
    awaited_id_ = 0;
    co_return Answer{false, -1, std::string(what) + ": " + e.what()};
  }
  const auto deadline = Clock::now() + Session::kAnswerTimeout;
  while (!answer_ && !lost_ && !stopping_ && Clock::now() < deadline) {
    wake_.expires_at(deadline);
    co_await wake_.async_wait(kAsTuple);
  }
  awaited_id_ = 0;
  co_return answer_;
}

asio::awaitable<bool> Session::Impl::connect() {
  auto connack = co_await ask("connect", [this](void* context) {
    mqtt::connect_options options;  // alive across the call: paho_options.h
    fill_options(options);
    client_->connect(options, context, request_listener_);
  });
  if (stopping_) co_return false;
  if (!connack && lost_) {  // Paho reported the connection lost: an answer, not a silence
    log_warn(opt_.log_name, "connect to " + opt_.uri + " failed: connection lost" +
                                (lost_->empty() ? "" : ": " + *lost_));
    counters_.add("mqtt_connect_failed");
    note_short();
    co_return false;
  }
  if (!connack) {
    give_up("connect");
    co_return false;
  }
  if (!connack->accepted()) {
    log_warn(opt_.log_name, "connect to " + opt_.uri + " failed: reason " +
                                hex_reason(connack->reason) +
                                (connack->detail.empty() ? "" : ", " + connack->detail));
    counters_.add("mqtt_connect_failed");
    note_short();  // Paho also reports a CONNACK followed by a close this way
    co_return false;
  }
  accepted_at_ = Clock::now();
  set_nodelay();
  co_return true;
}

// Asks for each required subscription; a refused one is asked again after a backoff while
// the connection holds (a refused SUBACK means the session would never hear its topic).
asio::awaitable<bool> Session::Impl::subscribe_required() {
  for (const auto& sub : opt_.subscriptions) {
    if (!sub.required) continue;
    for (;;) {
      auto granted = co_await ask("subscribe", [this, &sub](void* context) {
        client_->subscribe(sub.filter, sub.qos, context, request_listener_);
      });
      if (stopping_) co_return false;
      if (lost_) {
        lost();
        co_return false;
      }
      if (!granted) {
        give_up("subscribe");
        co_return false;
      }
      if (granted->accepted()) {
        if (granted->reason < sub.qos) {
          log_warn(opt_.log_name, "broker granted QoS " + std::to_string(granted->reason) +
                                      " for " + sub.filter +
                                      "; the application acks still "
                                      "protect readings");
        }
        break;
      }
      log_warn(opt_.log_name, "subscription to " + sub.filter + " refused: reason " +
                                  hex_reason(granted->reason) +
                                  (granted->detail.empty() ? "" : ", " + granted->detail));
      counters_.add("mqtt_subscribe_refused");
      if (!client_->is_connected()) co_return false;  // reconnecting can help, asking cannot
      co_await backoff();
      if (stopping_) co_return false;
    }
  }
  co_return true;
}

// Extras: a refusal is reported once per connection and the session stays up.
asio::awaitable<void> Session::Impl::subscribe_optional() {
  for (const auto& sub : opt_.subscriptions) {
    if (sub.required || stopping_ || lost_) continue;
    auto granted = co_await ask("subscribe", [this, &sub](void* context) {
      client_->subscribe(sub.filter, sub.qos, context, request_listener_);
    });
    if (stopping_ || lost_) co_return;
    if ((!granted || !granted->accepted()) && events_.optional_refused) {
      events_.optional_refused(sub.filter, granted ? granted->reason : -1);
    }
  }
}

// While up: wakes on a loss report or each second to ask the client itself.
asio::awaitable<void> Session::Impl::serve() {
  // Only the "disconnected but never said so" half of the watch: while up nothing is awaited.
  AnswerWatch watch{Session::kAnswerTimeout, kUnreportedDownAfter};
  while (!stopping_ && !lost_) {
    wake_.expires_after(kLivenessTick);
    co_await wake_.async_wait(kAsTuple);
    if (stopping_ || lost_) break;
    if (publishes_stalled()) break;
    if (watch.check(Clock::now(), true, client_->is_connected()) ==
        AnswerWatch::Verdict::kLostUnreported) {
      counters_.add("mqtt_lost_unreported");
      lost_ = "the MQTT client is disconnected but did not report it";
    }
  }
}

asio::awaitable<void> Session::Impl::backoff() {
  const auto until = Clock::now() + backoff_.next();
  while (!stopping_ && Clock::now() < until) {
    wake_.expires_at(until);
    co_await wake_.async_wait(kAsTuple);
  }
}

void Session::Impl::lost() {
  const bool was_up = up_;
  up_ = false;
  const std::string cause = lost_.value_or("");
  counters_.add("mqtt_connection_lost");
  log_warn(opt_.log_name, "connection lost" + (cause.empty() ? std::string() : ": " + cause));
  const bool quick = accepted_at_ && Clock::now() - *accepted_at_ < kQuickDrop;
  accepted_at_.reset();
  if (quick) {
    note_short();
  } else {
    short_in_a_row_ = 0;
  }
  if (was_up && events_.down) events_.down(cause);
}

// No answer from Paho: end whatever session the client thinks it has (a CONNACK it got counts
// it connected) and start again.
void Session::Impl::give_up(const char* what) {
  log_warn(opt_.log_name, std::string("no answer to ") + what + " from the MQTT client in " +
                              std::to_string(Session::kAnswerTimeout.count()) +
                              " s: connecting again");
  counters_.add("mqtt_no_answer");
  note_short();
  if (!client_) return;
  try {
    if (client_->is_connected()) client_->disconnect(0);
  } catch (const mqtt::exception& e) {
    log_warn(opt_.log_name, std::string("disconnect before reconnecting: ") + e.what());
  }
}

}  // namespace kotona::mqtt_link
