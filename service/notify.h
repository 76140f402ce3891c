// ServiceNotifier: a Kotona process under systemd (Type=notify, WatchdogSec=): READY=1 once the
// process serves, then WATCHDOG=1 from a timer on the process's own io_context, so a loop that
// is stuck (a handler that never returns, a blocked syscall) stops the pings and systemd
// restarts the service. STOPPING=1 on shutdown. Speaks sd_notify's datagram protocol itself
// (NOTIFY_SOCKET; a leading '@' is the abstract namespace). Without NOTIFY_SOCKET, or without
// WATCHDOG_USEC (or with WATCHDOG_PID naming another process), that part does nothing.
// io_context thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace kotona::service {

struct NotifySettings {
  std::string socket;                                 // NOTIFY_SOCKET; "" = not under systemd
  std::optional<std::chrono::microseconds> watchdog;  // WATCHDOG_USEC for this process
};

// Pure: the settings from the environment's values (nullptr = unset). A WATCHDOG_PID other
// than `pid`, or a WATCHDOG_USEC that is not a positive number, means no watchdog.
NotifySettings notify_settings(const char* socket, const char* watchdog_usec,
                               const char* watchdog_pid, long pid);
// From this process's environment.
NotifySettings notify_settings_from_env();

class ServiceNotifier {
 public:
  ServiceNotifier(boost::asio::io_context& io, NotifySettings settings);
  ~ServiceNotifier();
  ServiceNotifier(const ServiceNotifier&) = delete;
  ServiceNotifier& operator=(const ServiceNotifier&) = delete;

  // READY=1 (with STATUS=`status`), then a ping every half watchdog period. Idempotent.
  void ready(std::string_view status);
  // STOPPING=1; the pings end.
  void stopping();
  // Messages that could not be sent (the manager's socket gone): counted, never fatal.
  long send_failures() const { return send_failures_; }

 private:
  void send(std::string_view message);
  void arm();

  NotifySettings settings_;
  boost::asio::steady_timer timer_;
  bool ready_ = false;
  bool stopping_ = false;
  long send_failures_ = 0;
  // Checked by the timer handler; this object and the pending handler are the owners.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kotona::service
