#include "tests/support/resend_refusing_broker.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

#include "tests/support/mqtt_wire.h"

namespace kotona::test {

namespace {

void put_length(std::vector<std::uint8_t>& out, std::size_t n) {
  do {
    auto byte = static_cast<std::uint8_t>(n % 128);
    n /= 128;
    if (n > 0) byte |= 0x80;
    out.push_back(byte);
  } while (n > 0);
}

// A QoS 0 MQTT v5 PUBLISH with no properties.
std::vector<std::uint8_t> qos0_publish(const std::string& topic, const std::string& payload) {
  std::vector<std::uint8_t> out{0x30};
  put_length(out, 2 + topic.size() + 1 + payload.size());
  out.push_back(static_cast<std::uint8_t>(topic.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(topic.size() & 0xff));
  out.insert(out.end(), topic.begin(), topic.end());
  out.push_back(0x00);  // property length
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// Reads an MQTT variable byte integer at `pos`; false when it runs past the end.
bool read_length(const std::vector<std::uint8_t>& body, std::size_t& pos, std::size_t& value) {
  value = 0;
  std::size_t multiplier = 1;
  for (int i = 0; i < 4 && pos < body.size(); ++i) {
    std::uint8_t b = body[pos++];
    value += static_cast<std::size_t>(b & 0x7f) * multiplier;
    multiplier *= 128;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

ResendRefusingBroker::ResendRefusingBroker(int hold, OnPublish on_publish)
    : hold_(hold), on_publish_(std::move(on_publish)) {
  std::uint16_t port = 0;
  listen_fd_ = listen_on_loopback(port, "ResendRefusingBroker");
  port_ = port;
  acceptor_ = std::thread([this] { accept_loop(); });
}

ResendRefusingBroker::~ResendRefusingBroker() {
  stopping_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listen_fd_);
}

void ResendRefusingBroker::feed_after_subscribe(std::string topic,
                                                std::vector<std::string> payloads) {
  feed_topic_ = std::move(topic);
  feed_ = std::move(payloads);
}

void ResendRefusingBroker::accept_loop() {
  std::vector<std::thread> sessions;
  bool first = true;
  while (!stopping_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    sessions.emplace_back([this, fd, first] {
      serve(fd, first);
      ::close(fd);
    });
    first = false;
  }
  for (auto& t : sessions) t.join();
}

void ResendRefusingBroker::serve(int fd, bool first) {
  bool fed = false;
  while (auto p = read_mqtt_packet(fd, stopping_)) {
    switch (p->type) {
      case 1:  // CONNECT -> CONNACK: session present after the first, success, no properties
        ++connections_;
        if (first && hold_ < 0) {  // Receive Maximum (0x21) 10
          send_all(fd, {0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x0a});
        } else {
          send_all(fd, {0x20, 0x03, static_cast<std::uint8_t>(first ? 0x00 : 0x01), 0x00, 0x00});
        }
        break;
      case 3:
        if (!on_publish_packet(fd, first, p->flags, p->body)) return;
        break;
      case 8:  // SUBSCRIBE -> SUBACK granting QoS 1 to one filter
        if (p->body.size() >= 2) send_all(fd, {0x90, 0x04, p->body[0], p->body[1], 0x00, 0x01});
        if (!std::exchange(fed, true)) {
          for (const auto& payload : feed_) send_all(fd, qos0_publish(feed_topic_, payload));
        }
        break;
      case 12:  // PINGREQ -> PINGRESP
        send_all(fd, {0xd0, 0x00});
        break;
      case 14:  // DISCONNECT
        return;
      default:
        break;
    }
  }
}

bool ResendRefusingBroker::on_publish_packet(int fd, bool first, std::uint8_t flags,
                                             const std::vector<std::uint8_t>& body) {
  if (first) return ++held_ < hold_ || hold_ < 0;  // in flight for good; ends after `hold`
  if ((flags & 0x08) != 0) {          // DUP: a re-send from the client's session
    ++refused_;
    return false;
  }
  const int qos = (flags >> 1) & 0x03;
  if (body.size() < 2) return false;
  std::size_t topic_len = (static_cast<std::size_t>(body[0]) << 8) | body[1];
  std::size_t pos = 2 + topic_len + (qos > 0 ? 2 : 0);
  std::size_t props = 0;
  if (pos > body.size() || !read_length(body, pos, props) || pos + props > body.size()) {
    return false;
  }
  std::string topic(body.begin() + 2, body.begin() + 2 + static_cast<std::ptrdiff_t>(topic_len));
  std::string payload(body.begin() + static_cast<std::ptrdiff_t>(pos + props), body.end());
  if (qos == 1) send_all(fd, {0x40, 0x02, body[2 + topic_len], body[3 + topic_len]});
  ++accepted_;
  Answer answer;
  {
    std::lock_guard lock(on_publish_mutex_);
    answer = on_publish_(topic, payload);
  }
  if (answer) send_all(fd, qos0_publish(answer->first, answer->second));
  return true;
}

}  // namespace kotona::test
