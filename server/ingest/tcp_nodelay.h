// TCP_NODELAY on the ingest's MQTT socket. Paho C 1.3.11 (Debian 12's libpaho-mqtt3as) calls
// no setsockopt at all and has no socket callback, so the server's small writes (PUBACK, then
// the application ack PUBLISH) wait behind Nagle for the broker's delayed ACK (issue 15,
// cause 3). The ingest calls this after each CONNACK. The gateway has its own (it may not
// include server/, nor the server gateway/). Linux only (/proc/self/fd). io thread.
#pragma once

#include <cstdint>

namespace kotona::server::ingest {

// Sets TCP_NODELAY on each connected TCP socket of this process whose peer's port is
// `peer_port`. Returns how many such sockets have it afterwards (0: none found or set).
int set_nodelay_for_peer_port(std::uint16_t peer_port);

// True when `fd` is a TCP socket with TCP_NODELAY on (tests).
bool has_nodelay(int fd);

}  // namespace kotona::server::ingest
