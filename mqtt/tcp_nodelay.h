// TCP_NODELAY for an MQTT client's socket, the hub's uplink and the server's ingest alike. Paho C
// (1.3.x, and its master as read on 2026-12-06: Socket.c sets only SO_NOSIGPIPE) never sets it and
// offers no socket callback, so small MQTT packets (a PUBLISH, a PUBACK) written while an earlier
// segment is unacked wait for the peer's delayed ACK (Nagle): ~40 ms on ~45 % of alerts (issue 15,
// cause 3). The uplink and the ingest call this after each CONNACK: every TCP socket of this
// process connected to the broker's port gets TCP_NODELAY. Linux only (/proc/self/fd).
#pragma once

#include <cstdint>

namespace kotona::mqtt_link {

// Sets TCP_NODELAY on every connected IPv4/IPv6 TCP socket of this process whose peer port is
// `peer_port`. Returns how many sockets now have it (0 when none matched).
int set_tcp_nodelay_to_peer_port(std::uint16_t peer_port);

// True when `fd` is a TCP socket with TCP_NODELAY set (for tests).
bool tcp_nodelay_is_set(int fd);

}  // namespace kotona::mqtt_link
