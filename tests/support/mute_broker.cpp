#include "tests/support/mute_broker.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

namespace kotona::test {

namespace {

// Reads exactly n bytes unless the peer closes or `stopping` is set (poll with a short timeout).
bool read_exact(int fd, std::uint8_t* out, std::size_t n, const std::atomic<bool>& stopping) {
  std::size_t got = 0;
  while (got < n) {
    if (stopping.load()) return false;
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, 100);
    if (ready < 0) return false;
    if (ready == 0) continue;
    auto r = ::recv(fd, out + got, n - got, 0);
    if (r <= 0) return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

struct Packet {
  std::uint8_t type = 0;  // the high nibble of the fixed header
  std::uint8_t flags = 0;
  std::vector<std::uint8_t> body;
};

std::optional<Packet> read_packet(int fd, const std::atomic<bool>& stopping) {
  std::uint8_t header = 0;
  if (!read_exact(fd, &header, 1, stopping)) return std::nullopt;
  std::size_t length = 0;
  std::size_t multiplier = 1;
  for (int i = 0; i < 4; ++i) {
    std::uint8_t b = 0;
    if (!read_exact(fd, &b, 1, stopping)) return std::nullopt;
    length += static_cast<std::size_t>(b & 0x7f) * multiplier;
    multiplier *= 128;
    if ((b & 0x80) == 0) break;
  }
  Packet p{static_cast<std::uint8_t>(header >> 4), static_cast<std::uint8_t>(header & 0x0f), {}};
  p.body.resize(length);
  if (length > 0 && !read_exact(fd, p.body.data(), length, stopping)) return std::nullopt;
  return p;
}

void send_all(int fd, const std::vector<std::uint8_t>& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    auto r = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (r <= 0) return;
    sent += static_cast<std::size_t>(r);
  }
}

}  // namespace

MuteBroker::MuteBroker(int mute_connections) : mute_connections_(mute_connections) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 8) != 0) {
    throw std::runtime_error("MuteBroker: cannot listen on loopback");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
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
  while (auto p = read_packet(fd, stopping_)) {
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
