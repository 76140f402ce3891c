#include "tests/support/unix_socket_proxy.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <utility>
#include <vector>

#include "tests/support/mqtt_wire.h"

namespace kotona::test {

namespace {

int connect_unix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
  if (fd >= 0) ::close(fd);
  return -1;
}

// Copies what `from` has to `to`; false when either side is done.
bool pump(int from, int to) {
  char buf[16384];
  const ssize_t n = ::read(from, buf, sizeof buf);
  if (n <= 0) return false;
  for (ssize_t done = 0; done < n;) {
    const ssize_t w = ::write(to, buf + done, static_cast<std::size_t>(n - done));
    if (w <= 0) return false;
    done += w;
  }
  return true;
}

}  // namespace

UnixSocketProxy::UnixSocketProxy(std::string unix_path) : unix_path_(std::move(unix_path)) {
  listen_fd_ = listen_on_loopback(port_, "UnixSocketProxy");
  thread_ = std::thread([this] { run(); });
}

UnixSocketProxy::~UnixSocketProxy() {
  stopping_ = true;
  thread_.join();
  ::close(listen_fd_);
}

void UnixSocketProxy::run() {
  std::vector<std::pair<int, int>> pairs;  // (client, upstream)
  auto close_pair = [](std::pair<int, int>& p) { ::close(p.first), ::close(p.second); };
  while (!stopping_) {
    const bool silent = silent_;
    if (silent && !pairs.empty()) {
      for (auto& p : pairs) close_pair(p);
      pairs.clear();
    }
    std::vector<pollfd> fds;
    for (const auto& p : pairs) {
      fds.push_back({p.first, POLLIN, 0});
      fds.push_back({p.second, POLLIN, 0});
    }
    if (!silent) fds.push_back({listen_fd_, POLLIN, 0});  // silent: the queue just fills
    if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
    if (!silent && (fds.back().revents & POLLIN)) {
      const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      const int upstream = client >= 0 ? connect_unix(unix_path_) : -1;
      if (upstream >= 0) {
        pairs.emplace_back(client, upstream);
        ++connections_;
      } else if (client >= 0) {
        ::close(client);
      }
    }
    std::vector<std::pair<int, int>> kept;
    for (std::size_t i = 0; i < fds.size() / 2 && i < pairs.size(); ++i) {
      auto& p = pairs[i];
      bool ok = true;
      if (fds[2 * i].revents & (POLLIN | POLLHUP | POLLERR)) ok = pump(p.first, p.second);
      if (ok && (fds[2 * i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
        ok = pump(p.second, p.first);
      if (ok)
        kept.push_back(p);
      else
        close_pair(p);
    }
    // Pairs accepted in this turn were not polled yet: keep them too.
    for (std::size_t i = fds.size() / 2; i < pairs.size(); ++i) kept.push_back(pairs[i]);
    pairs = std::move(kept);
  }
  for (auto& p : pairs) close_pair(p);
}

}  // namespace kotona::test
