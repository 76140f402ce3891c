#include <boost/asio/post.hpp>

#include "core/log.h"
#include "mqtt/paho_options.h"
#include "mqtt/session_impl.h"
#include "mqtt/tcp_nodelay.h"

namespace kotona::mqtt_link {

namespace asio = boost::asio;
using namespace detail;

void Session::Impl::note_short() {
  if (opt_.renew_client_after <= 0 || ++short_in_a_row_ < opt_.renew_client_after) return;
  short_in_a_row_ = 0;
  log_warn(opt_.log_name, std::to_string(opt_.renew_client_after) +
                              " connections in a row failed or were lost within " +
                              std::to_string(kQuickDrop.count()) +
                              " s: starting a fresh MQTT client (every unacked message is "
                              "sent again)");
  renew_client();
}

// Publishes taken and none answered for publish_answer_timeout while up: the client is given
// up for a fresh one (whatever it holds is not coming). True: the connection is lost.
bool Session::Impl::publishes_stalled() {
  if (opt_.publish_answer_timeout.count() <= 0 || unanswered_ == 0 ||
      std::chrono::steady_clock::now() - answered_at_ < opt_.publish_answer_timeout) {
    return false;
  }
  counters_.add("mqtt_publish_unanswered");
  log_warn(opt_.log_name,
           std::to_string(unanswered_) + " publishes had no answer from the MQTT client in " +
               std::to_string(opt_.publish_answer_timeout.count()) +
               " ms on a live connection: starting a fresh MQTT client (every unacked message "
               "is sent again)");
  lost_ = "publishes unanswered";
  renew_client();
  return true;
}

// A fresh client has none of the old one's unacknowledged PUBLISHes; nothing is lost, because
// the owner sends everything unacked again on the next up().
void Session::Impl::renew_client() {
  counters_.add("mqtt_client_renewed");
  try {
    client_->disable_callbacks();
    if (client_->is_connected()) client_->disconnect(0);
  } catch (const mqtt::exception& e) {
    log_warn(opt_.log_name, std::string("disconnect before renewing the client: ") + e.what());
  }
  client_.reset();
  create_client();  // failing: the next connect_and_serve tries again
}

bool Session::Impl::create_client() {
  const auto generation = ++generation_;
  first_id_of_client_ = next_id_;
  unanswered_ = 0;
  try {
    client_ = std::make_unique<mqtt::async_client>(
        opt_.uri, opt_.client_id,
        mqtt::create_options(MQTTVERSION_5, static_cast<int>(opt_.max_buffered_messages)));
    client_->set_connection_lost_handler([this, generation](const std::string& cause) {
      asio::post(io_, [weak = weak_from_this(), cause, generation] {
        auto self = weak.lock();
        if (!self || self->stopping_ || generation != self->generation_) return;
        self->lost_ = cause;
        self->wake_.cancel();
      });
    });
    client_->set_message_callback([inbox = inbox_](mqtt::const_message_ptr msg) {
      if (msg) inbox->push(msg->get_topic(), msg->to_string());
    });
  } catch (const std::exception& e) {
    log_error(opt_.log_name, "cannot create MQTT client for " + opt_.uri + ": " + e.what());
    counters_.add("mqtt_client_error");
    client_.reset();
    return false;
  }
  return true;
}

void Session::Impl::fill_options(mqtt::connect_options& out) {
  fill_connect_options(out, opt_, [this](const std::string& why) {
    asio::post(io_, [weak = weak_from_this(), why] {
      auto self = weak.lock();
      if (!self) return;
      self->counters_.add("mqtt_tls_error");
      log_warn(self->opt_.log_name, "TLS: " + why);
    });
  });
}

// Nagle held small PUBLISHes and PUBACKs ~40 ms behind the peer's delayed ACK (issue 15);
// Paho never sets TCP_NODELAY (tcp_nodelay.h), so the session does, on the socket just connected.
void Session::Impl::set_nodelay() {
  const auto port = uri_port(opt_.uri);
  if (port == 0 || set_tcp_nodelay_to_peer_port(port) == 0) counters_.add("mqtt_nodelay_not_set");
}

std::optional<std::uint64_t> Session::Impl::publish(const std::string& topic,
                                                    std::string_view payload, int qos) {
  if (!client_ || stopping_) return std::nullopt;
  const auto id = next_id_++;
  try {
    client_->publish(topic, payload.data(), payload.size(), qos, false, context_of(id),
                     publish_listener_);
    if (unanswered_++ == 0) answered_at_ = std::chrono::steady_clock::now();
    return id;
  } catch (const mqtt::exception& e) {
    log_warn(opt_.log_name, "publish to " + topic + " failed: " + e.what());
    counters_.add("mqtt_publish_failed");
    return std::nullopt;
  }
}

void Session::Impl::stop() {
  if (stopping_) return;
  stopping_ = true;
  up_ = false;
  wake_.cancel();
  inbox_->close();
  if (!client_) return;
  try {
    client_->disable_callbacks();
    if (client_->is_connected()) client_->disconnect()->wait_for(std::chrono::seconds(2));
  } catch (const mqtt::exception& e) {
    log_warn(opt_.log_name, std::string("disconnect: ") + e.what());
  }
}

Session::Session(asio::io_context& io, SessionOptions options, SessionEvents events,
                 Counters& counters)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(events), counters)) {}
Session::~Session() { impl_->stop(); }
void Session::start() { impl_->start(); }
void Session::stop() { impl_->stop(); }
bool Session::is_up() const { return impl_->up(); }
std::chrono::steady_clock::duration Session::message_waited() const {
  return impl_->message_waited();
}
std::size_t Session::publishes_unanswered() const { return impl_->publishes_unanswered(); }
std::optional<std::uint64_t> Session::publish(const std::string& topic, std::string_view payload,
                                              int qos) {
  return impl_->publish(topic, payload, qos);
}

}  // namespace kotona::mqtt_link
