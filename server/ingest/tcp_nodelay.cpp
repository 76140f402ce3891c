#include "server/ingest/tcp_nodelay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace kotona::server::ingest {

namespace {

// The peer's port of a connected IPv4/IPv6 socket; 0 for anything else (files, pipes,
// listening or Unix sockets).
std::uint16_t peer_port_of(int fd) {
  sockaddr_storage peer{};
  socklen_t size = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &size) != 0) return 0;
  if (peer.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&peer)->sin_port);
  if (peer.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&peer)->sin6_port);
  return 0;
}

}  // namespace

int set_nodelay_for_peer_port(std::uint16_t peer_port) {
  int count = 0;
  std::error_code ec;
  // Paho owns the socket and does not tell its descriptor: look at every open one.
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    const int fd = std::atoi(entry.path().filename().c_str());
    if (peer_port_of(fd) != peer_port) continue;
    const int on = 1;
    (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (has_nodelay(fd)) ++count;
  }
  return count;
}

bool has_nodelay(int fd) {
  int on = 0;
  socklen_t size = sizeof on;
  return ::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &size) == 0 && on != 0;
}

}  // namespace kotona::server::ingest
