// Raw MQTT packet framing for the test brokers (mute_broker.h, resend_refusing_broker.h):
// read one packet (fixed header, remaining length, body) and write bytes. Blocking sockets
// polled every 100 ms so a broker can stop. Not a codec: callers read the body themselves.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

namespace kotona::test {

struct MqttPacket {
  std::uint8_t type = 0;  // the high nibble of the fixed header
  std::uint8_t flags = 0;
  std::vector<std::uint8_t> body;
};

// nullopt when the peer closed, the socket failed, or `stopping` became true.
std::optional<MqttPacket> read_mqtt_packet(int fd, const std::atomic<bool>& stopping);
// Best effort: gives up silently when the peer is gone.
void send_all(int fd, const std::vector<std::uint8_t>& bytes);
// A socket listening on 127.0.0.1, port chosen by the kernel, written to `port`. Throws
// std::runtime_error naming `who` when it cannot listen.
int listen_on_loopback(std::uint16_t& port, const char* who);

}  // namespace kotona::test
