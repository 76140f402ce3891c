// Probe for the clock-faults harness: does an already-due Boost.Asio timer fire in this
// process? Exit 0 when it does, 1 when it has not within 3 s. Run under libfaketime with a
// wall-clock offset, with and without real_timerfd.cpp preloaded (see tests/reliability
// CMakeLists.txt): without the shim it hangs, which is why the harness preloads it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

int main() {
  using namespace std::chrono_literals;
  std::thread watchdog([] {
    std::this_thread::sleep_for(3s);
    std::puts("timer probe: an already-due asio timer did not fire within 3 s");
    std::fflush(stdout);
    std::_Exit(1);
  });
  watchdog.detach();
  boost::asio::io_context io;
  boost::asio::steady_timer timer(io);
  timer.expires_at(std::chrono::steady_clock::now() - 1ms);  // due already: asio's absolute path
  bool fired = false;
  timer.async_wait([&](boost::system::error_code ec) { fired = !ec; });
  io.run();
  std::puts(fired ? "timer probe: fired" : "timer probe: cancelled");
  return fired ? 0 : 1;
}
