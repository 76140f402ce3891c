#include "tests/support/mute_broker.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "tests/support/mqtt_wire.h"

namespace kotona::test {

MuteBroker::MuteBroker(int mute_connections) : mute_connections_(mute_connections) {
  std::uint16_t port = 0;
  listen_fd_ = listen_on_loopback(port, "MuteBroker");
  port_ = port;
  acceptor_ = std::thread([this] { accept_loop(); });
}

MuteBroker::~MuteBroker() {
  stopping_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listen_fd_);
}

void MuteBroker::accept_loop() {
  std::vector<std::thread> sessions;
  int accepted = 0;
  while (!stopping_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    bool mute = accepted++ < mute_connections_;
    sessions.emplace_back([this, fd, mute] {
      serve(fd, mute);
      ::close(fd);
    });
  }
  for (auto& t : sessions) t.join();
}

void MuteBroker::serve(int fd, bool mute) {
  while (auto p = read_mqtt_packet(fd, stopping_)) {
    switch (p->type) {
      case 1:  // CONNECT -> CONNACK: no session present, success, no properties
        ++connections_;
        send_all(fd, {0x20, 0x03, 0x00, 0x00, 0x00});
        break;
      case 3:  // PUBLISH: QoS 1 gets a PUBACK (packet id follows the topic)
        if (((p->flags >> 1) & 0x03) == 1 && p->body.size() >= 2) {
          std::size_t topic_len = (static_cast<std::size_t>(p->body[0]) << 8) | p->body[1];
          if (p->body.size() >= 2 + topic_len + 2) {
            send_all(fd, {0x40, 0x02, p->body[2 + topic_len], p->body[3 + topic_len]});
          }
        }
        break;
      case 8:  // SUBSCRIBE: ignored while mute; else SUBACK granting QoS 1 to one filter
        if (mute) {
          ++ignored_;
        } else if (p->body.size() >= 2) {
          ++answered_;
          send_all(fd, {0x90, 0x04, p->body[0], p->body[1], 0x00, 0x01});
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

}  // namespace kotona::test
