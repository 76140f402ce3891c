// UnixSocketProxy: a loopback TCP port in front of a Unix socket (the test PostgreSQL cluster
// listens on a Unix socket only), forwarding in a thread of its own, so a test can make the
// server behind it go silent: blackhole() cuts every forwarded connection and leaves new
// ones in the listen queue, never accepted or answered (a host that completes the TCP
// handshake and then says nothing); heal() forwards again. Not a general proxy: loopback only.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace kotona::test {

class UnixSocketProxy {
 public:
  // Throws std::runtime_error when it cannot listen.
  explicit UnixSocketProxy(std::string unix_path);
  ~UnixSocketProxy();  // closes every socket and joins the thread
  UnixSocketProxy(const UnixSocketProxy&) = delete;
  UnixSocketProxy& operator=(const UnixSocketProxy&) = delete;

  std::uint16_t port() const { return port_; }
  void blackhole() { silent_ = true; }
  void heal() { silent_ = false; }
  int connections() const { return connections_.load(); }  // forwarded so far

 private:
  void run();

  std::string unix_path_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> silent_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

}  // namespace kotona::test
