#include "tests/support/dbus_daemon.h"

#include <stdexcept>

namespace kotona::test {

using namespace std::chrono_literals;

DbusDaemon::DbusDaemon(const std::filesystem::path& dir) {
  const auto socket = dir / "bus";
  address_ = "unix:path=" + socket.string();
  child_ = std::make_unique<Child>(
      std::vector<std::string>{"dbus-daemon", "--session", "--nofork", "--nopidfile",
                               "--address=" + address_, "--print-address=1"},
      dir / "dbus-daemon.log");
  if (!child_->wait_for_log("guid=", 10s)) {
    throw std::runtime_error("dbus-daemon did not start: " + child_->log_text());
  }
}

DbusDaemon::~DbusDaemon() {
  if (child_) child_->stop(2s);
}

}  // namespace kotona::test
