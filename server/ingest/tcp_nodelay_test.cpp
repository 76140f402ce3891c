#include "server/ingest/tcp_nodelay.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <initializer_list>

using namespace kotona::server::ingest;

namespace {

// A loopback listener on a free port; its port.
int listener(std::uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  socklen_t size = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) == 0);
  port = ntohs(addr.sin_port);
  return fd;
}

int connected_to(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

}  // namespace

TEST_CASE(
    "set_nodelay_for_peer_port: the socket connected to that port gets TCP_NODELAY, "
    "a socket to another port keeps Nagle (issue 15 cause 3)") {
  std::uint16_t broker_port = 0, other_port = 0;
  const int broker = listener(broker_port);
  const int other = listener(other_port);
  const int to_broker = connected_to(broker_port);
  const int to_other = connected_to(other_port);
  CHECK_FALSE(has_nodelay(to_broker));  // the kernel's default: Nagle on
  CHECK(set_nodelay_for_peer_port(broker_port) == 1);
  CHECK(has_nodelay(to_broker));
  CHECK_FALSE(has_nodelay(to_other));
  CHECK_FALSE(has_nodelay(broker));  // a listener has no peer
  for (int fd : {to_broker, to_other, broker, other}) ::close(fd);
  CHECK(set_nodelay_for_peer_port(broker_port) == 0);  // nothing connected there any more
}
