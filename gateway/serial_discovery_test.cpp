#include "gateway/serial_discovery.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "gateway/serial_devices.h"

using namespace kotona;
using namespace kotona::gateway;
using namespace std::chrono_literals;

namespace {

class IdleSession : public drivers::DeviceSession {
 public:
  drivers::Step start() override { return {}; }
  Result<drivers::Step> on_input(const drivers::Input&) override { return drivers::Step{}; }
  drivers::Step on_timer() override { return {}; }
};
std::unique_ptr<drivers::DeviceSession> make_idle(const drivers::SessionContext&) {
  return std::make_unique<IdleSession>();
}

const drivers::DriverDescriptor kRelay{
    "fake_relay", "0.1.0",   drivers::Status::kWip, {drivers::SerialMatch{115200, "*FAKE_Relay*"}},
    {},           &make_idle};
const drivers::DriverDescriptor kMeter{
    "fake_meter", "0.1.0", drivers::Status::kWip, {drivers::SerialMatch{9600, ""}}, {}, &make_idle};

}  // namespace

TEST_CASE("match_serial_by_id: pattern match -> driver and its baud, known, unmatched skipped") {
  const std::vector<const drivers::DriverDescriptor*> drivers{&kMeter, &kRelay};
  const std::set<std::string> known{"/by-id/usb-FAKE_Relay_2"};
  auto specs = match_serial_by_id(
      "/by-id", {"usb-FAKE_Relay_1-if00", "usb-FAKE_Relay_2", "usb-Prolific_PL2303-if00"}, drivers,
      [&](const std::string& p) { return known.count(p) > 0; });
  REQUIRE(specs.size() == 1);
  CHECK(specs[0].driver == &kRelay);
  CHECK(specs[0].path == "/by-id/usb-FAKE_Relay_1-if00");
  CHECK(specs[0].baud == 115200);
  CHECK(match_serial_by_id("/by-id", {"anything"}, {&kMeter}, [](const std::string&) {
          return false;
        }).empty());  // no pattern: never discovered, only configured
}

TEST_CASE(
    "serial_devices by-id source: a by-id link appears -> opened with its driver, not added "
    "twice") {
  std::string tmpl = (std::filesystem::temp_directory_path() / "kotona-byid-XXXXXX").string();
  REQUIRE(mkdtemp(tmpl.data()) != nullptr);
  boost::asio::io_context io;
  Counters counters;
  SerialDevices manager(
      io, GatewayId{"gw-t"},
      StepHooks{[](std::span<const Reading>, const std::optional<OutboxCursor>&) -> Result<void> {
                  return {};
                },
                nullptr},
      counters);
  manager.set_scan_interval_for_test(10ms);
  manager.watch(make_serial_by_id_source(tmpl, {&kMeter, &kRelay}));
  io.run_for(50ms);
  CHECK(manager.statuses().empty());
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  REQUIRE(master >= 0);
  REQUIRE(grantpt(master) == 0);
  REQUIRE(unlockpt(master) == 0);
  std::filesystem::create_symlink(ptsname(master),
                                  std::filesystem::path(tmpl) / "usb-FAKE_Relay_7");
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < deadline &&
         (manager.statuses().empty() || manager.statuses()[0].state != "connected")) {
    io.run_for(10ms);
  }
  REQUIRE(manager.statuses().size() == 1);
  CHECK(manager.statuses()[0].state == "connected");
  CHECK(manager.statuses()[0].driver == "fake_relay");
  io.run_for(100ms);  // more scans: still one device
  CHECK(manager.statuses().size() == 1);
  manager.stop();
  io.run_for(50ms);
  ::close(master);
  std::filesystem::remove_all(tmpl);
}

TEST_CASE(
    "serial_devices by-id source: by-id link to a tty already configured by its /dev name -> not "
    "added") {
  std::string tmpl = (std::filesystem::temp_directory_path() / "kotona-byid-XXXXXX").string();
  REQUIRE(mkdtemp(tmpl.data()) != nullptr);
  boost::asio::io_context io;
  Counters counters;
  SerialDevices manager(
      io, GatewayId{"gw-t"},
      StepHooks{[](std::span<const Reading>, const std::optional<OutboxCursor>&) -> Result<void> {
                  return {};
                },
                nullptr},
      counters);
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  REQUIRE(master >= 0);
  REQUIRE(grantpt(master) == 0);
  REQUIRE(unlockpt(master) == 0);
  const std::string slave = ptsname(master);
  manager.add(DeviceSpec{&kRelay, slave, 115200});  // configured as /dev/pts/N
  std::filesystem::create_symlink(slave, std::filesystem::path(tmpl) / "usb-FAKE_Relay_8");
  manager.set_scan_interval_for_test(10ms);
  manager.watch(make_serial_by_id_source(tmpl, {&kRelay}));
  io.run_for(100ms);
  CHECK(manager.statuses().size() == 1);
  manager.stop();
  io.run_for(50ms);
  ::close(master);
  std::filesystem::remove_all(tmpl);
}
