#include "firmware-sim/hid_port.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/log.h"

namespace kotona::firmware_sim {

namespace {
constexpr const char* kLog = "firmware-sim";
constexpr std::size_t kReport = 64;
constexpr std::size_t kPayload = 60;
constexpr std::uint8_t kEnqByte = 0x05;

Unexpected io_error(const std::string& what) {
  return fail(Errc::kIo, what + ": " + std::strerror(errno));
}

std::string hex4(std::uint16_t v) {
  char text[8];
  std::snprintf(text, sizeof text, "%04X", v);
  return text;
}
}  // namespace

std::vector<Bytes> encode_meter_reports(const Bytes& bytes) {
  std::vector<Bytes> out;
  std::size_t at = 0;
  do {
    const std::size_t n = std::min(kPayload, bytes.size() - at);
    Bytes report(kReport, 0);
    report[0] = 'A', report[1] = 'B', report[2] = 'C';
    report[3] = static_cast<std::uint8_t>(n);
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(at), n, report.begin() + 4);
    out.push_back(std::move(report));
    at += n;
    if (n < kPayload) break;  // a short report ends the unit
  } while (true);
  return out;
}

Result<std::unique_ptr<HidPort>> HidPort::open(const std::string& node,
                                               const std::string& sysfs_dir,
                                               const HidIdentity& identity) {
  std::unique_ptr<HidPort> port(new HidPort());
  port->node_ = node;
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
    return io_error("socketpair");
  port->meter_fd_ = pair[0];
  port->bridge_fd_ = pair[1];
  (void)::fcntl(port->meter_fd_, F_SETFL, ::fcntl(port->meter_fd_, F_GETFL) | O_NONBLOCK);
  port->listen_fd_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (port->listen_fd_ < 0) return io_error("socket");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (node.size() >= sizeof address.sun_path) return fail(Errc::kIo, node + ": path too long");
  std::memcpy(address.sun_path, node.c_str(), node.size() + 1);
  ::unlink(node.c_str());  // a stale node from an earlier run
  if (::bind(port->listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return io_error("bind " + node);
  }
  if (::listen(port->listen_fd_, 4) != 0) return io_error("listen " + node);
  if (!sysfs_dir.empty()) {
    const auto entry = std::filesystem::path(sysfs_dir) / std::filesystem::path(node).filename();
    std::error_code ec;
    std::filesystem::create_directories(entry / "device", ec);
    std::ofstream uevent(entry / "device" / "uevent");
    uevent << "DRIVER=hid-generic\nHID_ID=0003:0000" << hex4(identity.vendor_id) << ":0000"
           << hex4(identity.product_id) << "\nHID_NAME=" << identity.name << "\nHID_UNIQ=\n";
    if (ec || !uevent) return fail(Errc::kIo, "cannot write " + (entry / "device/uevent").string());
    port->entry_ = entry.string();
  }
  port->thread_ = std::thread([p = port.get()] { p->bridge(); });
  return port;
}

HidPort::~HidPort() {
  if (!entry_.empty()) {  // udev sees the removal first, as when a meter is pulled
    std::error_code ec;
    std::filesystem::remove_all(entry_, ec);
  }
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  for (int fd : {host_fd_, listen_fd_, meter_fd_, bridge_fd_}) {
    if (fd >= 0) ::close(fd);
  }
  ::unlink(node_.c_str());
}

void HidPort::discard_unread() {
  std::uint8_t buf[256];
  while (::recv(meter_fd_, buf, sizeof buf, MSG_DONTWAIT) > 0) {
  }
}

void HidPort::bridge() {
  while (!stop_) {
    pollfd p[3] = {{listen_fd_, POLLIN, 0}, {bridge_fd_, POLLIN, 0}, {host_fd_, POLLIN, 0}};
    if (::poll(p, host_fd_ >= 0 ? 3 : 2, 50) > 0) {
      if ((p[0].revents & POLLIN) != 0) accept_host();
      if ((p[1].revents & POLLIN) != 0) from_meter();
      if (host_fd_ >= 0 && (p[2].revents & (POLLIN | POLLHUP | POLLERR)) != 0) from_host();
    }
    while (host_fd_ >= 0 && woken_ && bad_sent_ < bad_reports_) send_bad_report(bad_sent_++);
  }
}

void HidPort::accept_host() {
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  if (host_fd_ >= 0) ::close(host_fd_);  // a new open replaces the old one
  host_fd_ = fd;
  woken_ = false;
  log_info(kLog, "hid: host opened " + node_);
}

void HidPort::from_host() {
  std::uint8_t buf[2 * kReport];
  const ssize_t n = ::recv(host_fd_, buf, sizeof buf, 0);
  if (n <= 0) {
    ::close(host_fd_);
    host_fd_ = -1;
    log_info(kLog, "hid: host closed " + node_);
    return;
  }
  // report number 0 + "ABC" + length + payload
  if (n != static_cast<ssize_t>(kReport + 1) || buf[0] != 0 || buf[4] > kPayload) {
    log_warn(kLog, "hid: refused a host report of " + std::to_string(n) + " bytes");
    return;
  }
  if (!woken_) {
    woken_ = true;
    if (!held_enq_.empty()) send_reports(std::exchange(held_enq_, {}));
  }
  const ssize_t sent = ::send(bridge_fd_, buf + 5, buf[4], MSG_NOSIGNAL);
  (void)sent;  // the meter end is ours; it never refuses
}

void HidPort::from_meter() {
  std::uint8_t buf[1024];
  const ssize_t n = ::recv(bridge_fd_, buf, sizeof buf, MSG_DONTWAIT);
  if (n <= 0) return;
  Bytes bytes(buf, buf + n);
  if (host_fd_ < 0 || !woken_) {
    // Not woken: a Contour stays silent. Its next ENQ goes out after the wake-up.
    if (bytes.size() == 1 && bytes[0] == kEnqByte) held_enq_ = bytes;
    return;
  }
  send_reports(bytes);
}

void HidPort::send_reports(const Bytes& bytes) {
  for (const Bytes& report : encode_meter_reports(bytes)) {
    if (::send(host_fd_, report.data(), report.size(), MSG_NOSIGNAL) < 0) return;
  }
}

void HidPort::send_bad_report(std::size_t index) {
  Bytes report(index % 2 == 0 ? kReport : 10, 0);  // even: length byte 61; odd: short
  report[0] = 'A', report[1] = 'B', report[2] = 'C';
  report[3] = static_cast<std::uint8_t>(kPayload + 1);
  (void)::send(host_fd_, report.data(), report.size(), MSG_NOSIGNAL);
  log_info(kLog, "hid: sent a malformed report (" +
                     std::string(index % 2 == 0 ? "length byte 61" : "10 bytes") + ")");
}

}  // namespace kotona::firmware_sim
