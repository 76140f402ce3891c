#include "tests/support/mqtt_wire.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <stdexcept>
#include <string>

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

}  // namespace

std::optional<MqttPacket> read_mqtt_packet(int fd, const std::atomic<bool>& stopping) {
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
  MqttPacket p{
      static_cast<std::uint8_t>(header >> 4), static_cast<std::uint8_t>(header & 0x0f), {}};
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

int listen_on_loopback(std::uint16_t& port, const char* who) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd, 8) != 0) {
    throw std::runtime_error(std::string(who) + ": cannot listen on loopback");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace kotona::test
