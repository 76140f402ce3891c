// A private dbus-daemon for tests: its own socket in a directory the test owns, session-bus
// policy (any name may be owned, so firmware-sim can be org.bluez there). Killed on
// destruction. Not thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "tests/support/process.h"

namespace kotona::test {

class DbusDaemon {
 public:
  // REQUIRES: `dir` exists. Throws std::runtime_error when the bus is not up within 10 s.
  explicit DbusDaemon(const std::filesystem::path& dir);
  ~DbusDaemon();
  // "unix:path=DIR/bus": what firmware-sim --bus and the gateway's ble_bus take.
  const std::string& address() const { return address_; }

 private:
  std::string address_;
  std::unique_ptr<Child> child_;
};

}  // namespace kotona::test
