#include "mqtt/tcp_nodelay.h"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <initializer_list>

using kotona::mqtt_link::set_tcp_nodelay_to_peer_port;
using kotona::mqtt_link::tcp_nodelay_is_set;

namespace {

// A listening loopback socket and its port.
int listen_loopback(std::uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

}  // namespace

TEST_CASE("tcp nodelay: only sockets connected to the broker's port get TCP_NODELAY") {
  std::uint16_t broker_port = 0;
  std::uint16_t other_port = 0;
  int broker = listen_loopback(broker_port);
  int other = listen_loopback(other_port);
  int to_broker = connect_loopback(broker_port);
  int to_other = connect_loopback(other_port);
  REQUIRE_FALSE(tcp_nodelay_is_set(to_broker));  // Linux's default: Nagle on

  CHECK(set_tcp_nodelay_to_peer_port(broker_port) == 1);
  CHECK(tcp_nodelay_is_set(to_broker));
  CHECK_FALSE(tcp_nodelay_is_set(to_other));
  CHECK_FALSE(tcp_nodelay_is_set(broker));  // a listener has no peer
  for (int fd : {to_broker, to_other, broker, other}) ::close(fd);
}
