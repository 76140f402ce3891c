#include "tests/support/mqtt_wire.h"

#include <poll.h>
#include <sys/socket.h>

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

}  // namespace kotona::test
