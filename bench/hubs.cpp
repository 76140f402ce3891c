#include "bench/hubs.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "bench/fleet_parts.h"
#include "bench/procfs.h"
#include "mqtt/topics.h"
#include "proto/codec/wire.h"
#include "tests/support/mosquitto.h"

namespace kotona::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// MQTT's two-byte length prefix before a string.
void put_string(std::string& out, const std::string& s) {
  out += static_cast<char>(s.size() >> 8);
  out += static_cast<char>(s.size() & 0xff);
  out += s;
}

// Fixed header: packet type byte, then the remaining length as MQTT's variable-length integer.
std::string packet(unsigned char type, const std::string& body) {
  std::string out(1, static_cast<char>(type));
  std::size_t n = body.size();
  do {
    unsigned char b = n % 128;
    n /= 128;
    out += static_cast<char>(n > 0 ? b | 0x80 : b);
  } while (n > 0);
  return out + body;
}

// CONNECT, MQTT 3.1.1, clean session, no keep-alive (the broker never drops a quiet hub).
std::string connect_packet(const std::string& client_id) {
  std::string body;
  put_string(body, "MQTT");
  body += '\x04';  // protocol level 4
  body += '\x02';  // clean session
  body += std::string("\x00\x00", 2);
  put_string(body, client_id);
  return packet(0x10, body);
}

std::string heartbeat_packet(int h) {
  wire::GatewayStatus s;
  s.gateway = GatewayId{hub_id(h)};
  s.sent = HubTime{
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now())};
  s.software_version = "bench";
  s.uptime = std::chrono::seconds(60);
  std::string body;
  put_string(body, mqtt_link::status_topic(s.gateway));
  return packet(0x30, body + wire::encode_status(s));
}

// One connected and CONNACKed socket, or -1.
int connect_hub(int port, int h) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const auto hello = connect_packet(hub_id(h));
  unsigned char ack[4];
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      write(fd, hello.data(), hello.size()) != static_cast<ssize_t>(hello.size()) ||
      recv(fd, ack, 4, MSG_WAITALL) != 4 || ack[0] != 0x20 || ack[3] != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Server CPU per second over `seconds` (one technical check per second).
double cpu_per_second(pid_t pid, int seconds) {
  const double before = cpu_us(pid);
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  return (cpu_us(pid) - before) / seconds;
}

bool raise_fd_limit(int needed) {
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  if (r.rlim_cur >= static_cast<rlim_t>(needed)) return true;
  if (r.rlim_max < static_cast<rlim_t>(needed)) return false;
  r.rlim_cur = r.rlim_max;
  return setrlimit(RLIMIT_NOFILE, &r) == 0;
}

// Every hub sends its heartbeat once per heartbeat_s, spread over the seconds.
long send_heartbeats(const std::vector<int>& fds, const HubsPoint& p) {
  long sent = 0;
  for (int second = 0; second < p.seconds; ++second) {
    const auto next = Clock::now() + 1s;
    for (std::size_t h = 0; h < fds.size(); ++h) {
      if (static_cast<int>(h) % p.heartbeat_s != second % p.heartbeat_s) continue;
      const auto bytes = heartbeat_packet(static_cast<int>(h));
      if (write(fds[h], bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size())) ++sent;
    }
    std::this_thread::sleep_until(next);
  }
  return sent;
}

void measure(const HubsPoint& p, HubsResult& out) {
  test::TempDir dir;
  test::Mosquitto broker(dir.path(), /*persistence=*/false);
  broker.set_extra_config("log_type none\n");  // 2 lines per connection otherwise
  broker.start();
  Ingest in = start_server({"sqlite", 0, 0, ""}, dir, broker.uri(), "technical_check_ms = 1000\n");
  const pid_t server = in.child->pid();
  out.tick_cpu_us_empty = cpu_per_second(server, p.window_s);
  std::vector<int> fds;
  const auto t0 = Clock::now();
  for (int h = 0; h < p.hubs; ++h) {
    const int fd = connect_hub(broker.port(), h);
    if (fd < 0) break;
    fds.push_back(fd);
  }
  out.connected = static_cast<int>(fds.size());
  out.connect_s = seconds_since(t0);
  const double cpu0 = cpu_us(server);
  out.heartbeats = send_heartbeats(fds, p);
  const auto deadline = Clock::now() + 30s;
  long counted = 0;
  while (Clock::now() < deadline &&
         (counted = metric(in.http_port, in.token, "gateway_status_received")) < out.heartbeats) {
    std::this_thread::sleep_for(200ms);
  }
  out.server_cpu_us_per_heartbeat =
      (cpu_us(server) - cpu0) / static_cast<double>(std::max(1L, out.heartbeats));
  out.tick_cpu_us_known = cpu_per_second(server, p.window_s);
  out.broker_rss_mb = rss_mb(broker.pid());
  out.server_rss_mb = rss_mb(server);
  for (int fd : fds) close(fd);
  out.complete = out.connected == p.hubs && counted >= out.heartbeats;
  if (!out.complete) {
    out.failure = std::to_string(out.connected) + " hubs connected, " + std::to_string(counted) +
                  " of " + std::to_string(out.heartbeats) + " heartbeats counted\n" +
                  tail(in.child->log_text(), 1500);
  }
}

}  // namespace

std::string hubs_label(const HubsPoint& p) {
  return std::to_string(p.hubs) + " hubs, heartbeat " + std::to_string(p.heartbeat_s) + " s";
}

HubsResult run_hubs(const HubsPoint& p) {
  HubsResult out;
  if (!raise_fd_limit(p.hubs + 256)) {
    out.failure = "RLIMIT_NOFILE hard limit below " + std::to_string(p.hubs + 256);
    return out;
  }
  try {
    measure(p, out);
  } catch (const std::exception& e) {
    out.failure = e.what();
  }
  return out;
}

}  // namespace kotona::bench
