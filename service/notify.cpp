#include "service/notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "core/log.h"

namespace kotona::service {

namespace {
constexpr std::string_view kLog = "service";

std::optional<long long> positive(const char* text) {
  if (text == nullptr) return std::nullopt;
  long long value = 0;
  const char* end = text + std::strlen(text);
  auto [p, ec] = std::from_chars(text, end, value);
  if (ec != std::errc{} || p != end || value <= 0) return std::nullopt;
  return value;
}
}  // namespace

NotifySettings notify_settings(const char* socket, const char* watchdog_usec,
                               const char* watchdog_pid, long pid) {
  NotifySettings out;
  if (socket == nullptr || socket[0] == '\0') return out;
  out.socket = socket;
  const auto usec = positive(watchdog_usec);
  const auto for_pid = positive(watchdog_pid);
  if (usec && (watchdog_pid == nullptr || (for_pid && *for_pid == pid))) {
    out.watchdog = std::chrono::microseconds(*usec);
  }
  return out;
}

NotifySettings notify_settings_from_env() {
  return notify_settings(std::getenv("NOTIFY_SOCKET"), std::getenv("WATCHDOG_USEC"),
                         std::getenv("WATCHDOG_PID"), static_cast<long>(::getpid()));
}

ServiceNotifier::ServiceNotifier(boost::asio::io_context& io, NotifySettings settings)
    : settings_(std::move(settings)), timer_(io) {}

ServiceNotifier::~ServiceNotifier() { *alive_ = false; }

void ServiceNotifier::ready(std::string_view status) {
  if (ready_ || settings_.socket.empty()) return;
  ready_ = true;
  send("READY=1\nSTATUS=" + std::string(status));
  if (settings_.watchdog) {
    log_info(kLog, "systemd watchdog: a ping every " +
                       std::to_string(settings_.watchdog->count() / 2000) + " ms");
    arm();
  }
}

void ServiceNotifier::stopping() {
  if (stopping_) return;
  stopping_ = true;
  timer_.cancel();
  if (!settings_.socket.empty()) send("STOPPING=1");
}

void ServiceNotifier::arm() {
  timer_.expires_after(*settings_.watchdog / 2);
  timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive || stopping_) return;
    send("WATCHDOG=1");  // from this loop: a stuck loop sends nothing
    arm();
  });
}

void ServiceNotifier::send(std::string_view message) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string& path = settings_.socket;
  if (path.size() >= sizeof addr.sun_path || (path[0] != '/' && path[0] != '@')) {
    ++send_failures_;
    return;
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ++send_failures_;
    return;
  }
  const auto sent = ::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
                             reinterpret_cast<const sockaddr*>(&addr), len);
  ::close(fd);
  if (sent != static_cast<ssize_t>(message.size())) {
    if (send_failures_++ == 0) log_warn(kLog, "cannot notify systemd at " + path);
  }
}

}  // namespace kotona::service
