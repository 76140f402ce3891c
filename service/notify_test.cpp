#include "service/notify.h"

#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/process.h"

using namespace kotona;
using namespace kotona::service;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// The service manager's side: a datagram socket bound where NOTIFY_SOCKET points.
struct Manager {
  explicit Manager(const std::filesystem::path& path) : path_(path.string()) {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~Manager() { ::close(fd); }
  struct Message {
    std::string text;
    Clock::time_point at;
  };
  // Every message that arrives within `window`.
  std::vector<Message> collect(std::chrono::milliseconds window) {
    std::vector<Message> out;
    const auto end = Clock::now() + window;
    while (Clock::now() < end) {
      pollfd p{fd, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
      if (::poll(&p, 1, static_cast<int>(std::max(left.count(), 1L))) <= 0) continue;
      char buf[512];
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) out.push_back({std::string(buf, static_cast<std::size_t>(n)), Clock::now()});
    }
    return out;
  }
  int fd = -1;
  std::string path_;
};

std::vector<Clock::time_point> pings(const std::vector<Manager::Message>& messages) {
  std::vector<Clock::time_point> out;
  for (const auto& m : messages) {
    if (m.text == "WATCHDOG=1") out.push_back(m.at);
  }
  return out;
}

}  // namespace

TEST_CASE("service notify: settings from NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID") {
  CHECK(notify_settings(nullptr, "1000", nullptr, 7).socket.empty());
  auto s = notify_settings("/run/x", "30000000", nullptr, 7);
  CHECK(s.socket == "/run/x");
  CHECK(s.watchdog == std::chrono::microseconds(30000000));
  CHECK(notify_settings("/run/x", "30000000", "7", 7).watchdog.has_value());
  CHECK_FALSE(notify_settings("/run/x", "30000000", "8", 7).watchdog.has_value());  // not ours
  CHECK_FALSE(notify_settings("/run/x", "0", nullptr, 7).watchdog.has_value());
  CHECK_FALSE(notify_settings("/run/x", "12x", nullptr, 7).watchdog.has_value());
  CHECK_FALSE(notify_settings("/run/x", nullptr, nullptr, 7).watchdog.has_value());
}

TEST_CASE("service notify: READY=1 then pings from the loop, none while it is stuck, STOPPING=1") {
  test::TempDir dir;
  Manager manager(dir / "notify");
  boost::asio::io_context io;
  ServiceNotifier notifier(io, NotifySettings{(dir / "notify").string(), 200ms});
  notifier.ready("serving");
  auto work = boost::asio::make_work_guard(io);
  std::thread loop([&] { io.run(); });
  std::this_thread::sleep_for(400ms);
  const auto stuck_from = Clock::now();
  boost::asio::post(io, [] { std::this_thread::sleep_for(700ms); });  // a handler that hangs
  auto messages = manager.collect(1500ms);
  boost::asio::post(io, [&] { notifier.stopping(); });
  auto after_stop = manager.collect(400ms);
  work.reset();
  io.stop();
  loop.join();

  REQUIRE_FALSE(messages.empty());
  // READY came before the window; the first message here is a ping or STOPPING, never READY.
  const auto p = pings(messages);
  REQUIRE(p.size() >= 4);
  auto longest = 0ms;
  bool resumed = false;
  for (std::size_t i = 1; i < p.size(); ++i) {
    longest =
        std::max(longest, std::chrono::duration_cast<std::chrono::milliseconds>(p[i] - p[i - 1]));
    resumed = resumed || p[i] > stuck_from + 700ms;
  }
  CHECK(longest >= 550ms);  // the stuck handler held the pings back: systemd would act
  CHECK(resumed);           // and they came back once the loop ran again
  CHECK(notifier.send_failures() == 0);
  REQUIRE_FALSE(after_stop.empty());
  CHECK(after_stop.front().text == "STOPPING=1");
  CHECK(pings(after_stop).empty());
}

TEST_CASE("service notify: the READY message carries the status") {
  test::TempDir dir;
  Manager manager(dir / "notify");
  boost::asio::io_context io;
  ServiceNotifier notifier(io, NotifySettings{(dir / "notify").string(), std::nullopt});
  notifier.ready("serving 3 devices");
  notifier.ready("again");  // once only
  auto messages = manager.collect(100ms);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].text == "READY=1\nSTATUS=serving 3 devices");
}

TEST_CASE("service notify: no NOTIFY_SOCKET or a manager that is gone -> nothing, no failure") {
  boost::asio::io_context io;
  ServiceNotifier quiet(io, NotifySettings{});
  quiet.ready("x");
  quiet.stopping();
  CHECK(quiet.send_failures() == 0);
  ServiceNotifier gone(io, NotifySettings{"/nonexistent/notify", 200ms});
  gone.ready("x");
  CHECK(gone.send_failures() == 1);
  io.run_for(250ms);
  CHECK(gone.send_failures() >= 2);  // counted each time, never thrown
}

namespace {

// Starts `argv` with NOTIFY_SOCKET and a 400 ms watchdog, as systemd would; checks READY=1,
// pings, and STOPPING=1 with exit 0 on SIGTERM.
void check_under_systemd(const test::TempDir& dir, std::vector<std::string> argv) {
  Manager manager(dir / "notify");
  setenv("NOTIFY_SOCKET", (dir / "notify").c_str(), 1);
  setenv("WATCHDOG_USEC", "400000", 1);
  test::Child child(std::move(argv), dir / "child.log");
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  std::vector<Manager::Message> seen;
  for (int i = 0; i < 100 && pings(seen).size() < 3; ++i) {
    for (auto& m : manager.collect(200ms)) seen.push_back(std::move(m));
  }
  INFO(child.log_text());
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.front().text.starts_with("READY=1\nSTATUS="));
  CHECK(pings(seen).size() >= 3);
  child.signal(SIGTERM);
  auto rest = manager.collect(1000ms);
  bool stopping = false;
  for (const auto& m : rest) stopping = stopping || m.text == "STOPPING=1";
  CHECK(stopping);
  CHECK(child.stop() == 0);
}

}  // namespace

TEST_CASE("service notify: kotona-gateway under systemd -> READY=1, pings, STOPPING=1 on SIGTERM") {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "by-id");
  std::ofstream(dir / "gw.conf") << "gateway_id = gw-notify\nmqtt_uri = tcp://127.0.0.1:1\n"
                                 << "outbox_path = " << (dir / "outbox.db").string() << "\n"
                                 << "serial_by_id_dir = " << (dir / "by-id").string() << "\n";
  check_under_systemd(
      dir, {test::bin("gateway/kotona-gateway"), "--config", (dir / "gw.conf").string()});
}

TEST_CASE("service notify: kotona-server under systemd -> READY=1, pings, STOPPING=1 on SIGTERM") {
  test::TempDir dir;
  std::ofstream(dir / "server.conf") << "mqtt_uri = tcp://127.0.0.1:1\n"
                                     << "db_path = " << (dir / "server.db").string() << "\n"
                                     << "http_listen = 127.0.0.1:0\n"
                                     << test::test_admin_config();
  check_under_systemd(
      dir, {test::bin("server/kotona-server"), "--config", (dir / "server.conf").string()});
}
