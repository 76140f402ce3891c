#include "gateway/serial_devices.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace kotona;
using namespace kotona::gateway;
using namespace std::chrono_literals;

namespace {

// What the fake session saw and what the test's commit hook did, in order.
struct Script {
  std::vector<std::string> events;
  int next_record = 1;
  int timer_calls = 0;
};
Script* g_script = nullptr;  // make_session is a plain function pointer

// Byte 'R' -> a reading + ACK 'A'; 'X' -> rejected (checksum) + NAK 'N'; 'E' -> on_input error.
class FakeSession : public drivers::DeviceSession {
 public:
  drivers::Step start() override { return drivers::Step{{}, {}, 20ms, {}, {}}; }
  Result<drivers::Step> on_input(const drivers::Input& input) override {
    const auto* bytes = std::get_if<drivers::SerialBytes>(&input.event);
    drivers::Step step;
    if (std::holds_alternative<drivers::CommitFailed>(input.event)) {
      g_script->events.push_back("commit_failed");
      step.commands.emplace_back(std::in_place_type<drivers::SerialWrite>, drivers::Bytes{'F'});
    }
    if (!bytes) return step;
    for (auto b : bytes->bytes) {
      if (b == 'R') {
        Reading r;
        r.device.serial = DeviceSerial{"FAKE1"};
        r.record_id = std::to_string(g_script->next_record++);
        r.hub_time = input.hub_time;
        r.measurement = Weight{70};
        step.readings.push_back(r);
        step.commands.emplace_back(std::in_place_type<drivers::SerialWrite>, drivers::Bytes{'A'});
      } else if (b == 'X') {
        step.rejected.push_back(Error{Errc::kChecksum, 3, "bad checksum"});
        step.commands.emplace_back(std::in_place_type<drivers::SerialWrite>, drivers::Bytes{'N'});
      } else if (b == 'E') {
        return fail(Errc::kMalformed, "garbage");
      }
    }
    return step;
  }
  drivers::Step on_timer() override {
    ++g_script->timer_calls;
    return {};
  }
};

std::unique_ptr<drivers::DeviceSession> make_fake(const drivers::SessionContext&) {
  return std::make_unique<FakeSession>();
}

const drivers::DriverDescriptor kFake{"fake", "0.1.0", drivers::Status::kWip, {}, {}, &make_fake};

struct Pty {
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  std::string slave;
  Pty() {
    REQUIRE(master >= 0);
    REQUIRE(grantpt(master) == 0);
    REQUIRE(unlockpt(master) == 0);
    slave = ptsname(master);
  }
  ~Pty() { ::close(master); }
  void send(const std::string& s) const {
    REQUIRE(::write(master, s.data(), s.size()) == static_cast<ssize_t>(s.size()));
  }
  std::string drain() const {
    std::string out;
    pollfd p{master, POLLIN, 0};
    while (::poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
      char buf[64];
      auto n = ::read(master, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
};

struct Fixture {
  Script script;
  boost::asio::io_context io;
  Counters counters;
  bool fail_commit = false;
  std::vector<Reading> committed;
  SerialDevices manager{io, GatewayId{"gw-t"},
                        StepHooks{[this](std::span<const Reading> readings,
                                         const std::optional<OutboxCursor>&) -> Result<void> {
                                    script.events.push_back("commit");
                                    if (fail_commit) return fail(Errc::kIo, "disk full");
                                    committed.insert(committed.end(), readings.begin(),
                                                     readings.end());
                                    return {};
                                  },
                                  [this] { script.events.push_back("poke"); }},
                        counters};
  Fixture() { g_script = &script; }
  ~Fixture() {
    manager.stop();
    io.run_for(50ms);
    g_script = nullptr;
  }
  template <typename F>
  bool run_until(F predicate) {
    auto deadline = std::chrono::steady_clock::now() + 3s;
    while (!predicate() && std::chrono::steady_clock::now() < deadline) io.run_for(2ms);
    return predicate();
  }
};

}  // namespace

TEST_CASE("serial_devices: reading -> committed (finalized) before the ACK is written") {
  Fixture f;
  Pty pty;
  f.manager.add(DeviceSpec{&kFake, pty.slave, 9600});
  REQUIRE(f.run_until([&] { return f.manager.statuses()[0].state == "connected"; }));
  pty.send("R");
  std::string written;
  REQUIRE(f.run_until([&] { return (written += pty.drain()) == "A"; }));
  REQUIRE(f.committed.size() == 1);
  CHECK(f.committed[0].uid == ReadingUid{"gw-t/FAKE1/r1/weight"});
  CHECK(f.committed[0].gateway == GatewayId{"gw-t"});
  CHECK(f.script.events == std::vector<std::string>{"commit", "poke"});
  CHECK(f.counters.get("readings_captured") == 1);
  CHECK(f.manager.statuses()[0].serial == "FAKE1");
}

TEST_CASE(
    "serial_devices: outbox commit fails -> Step's commands withheld, session's refusal sent") {
  Fixture f;
  f.fail_commit = true;
  Pty pty;
  f.manager.add(DeviceSpec{&kFake, pty.slave, 9600});
  REQUIRE(f.run_until([&] { return f.manager.statuses()[0].state == "connected"; }));
  pty.send("R");
  REQUIRE(f.run_until([&] { return f.counters.get("outbox_commit_failed") == 1; }));
  f.io.run_for(100ms);
  CHECK(pty.drain() == "F");  // the refusal (ASTM: NAK), never the ACK 'A'
  CHECK(f.counters.get("device_commands_withheld") == 1);
  // No poke either.
  CHECK(f.script.events == std::vector<std::string>{"commit", "commit_failed"});
}

TEST_CASE("serial_devices: rejected input -> counted by Errc, NAK still sent") {
  Fixture f;
  Pty pty;
  f.manager.add(DeviceSpec{&kFake, pty.slave, 9600});
  REQUIRE(f.run_until([&] { return f.manager.statuses()[0].state == "connected"; }));
  pty.send("X");
  std::string written;
  REQUIRE(f.run_until([&] { return (written += pty.drain()) == "N"; }));
  CHECK(f.counters.get("device_rejected_checksum") == 1);
  pty.send("E");
  REQUIRE(f.run_until([&] { return f.counters.get("device_rejected_malformed") == 1; }));
  pty.send("R");  // the session keeps going after bad input
  REQUIRE(f.run_until([&] { return f.committed.size() == 1; }));
}

TEST_CASE("serial_devices: session timer -> on_timer called") {
  Fixture f;
  Pty pty;
  f.manager.add(DeviceSpec{&kFake, pty.slave, 9600});
  REQUIRE(f.run_until([&] { return f.script.timer_calls == 1; }));
}

namespace {

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

struct TempLinkDir {
  std::filesystem::path dir;
  TempLinkDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kotona-hp-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
  }
  ~TempLinkDir() { std::filesystem::remove_all(dir); }
};

// A device configured at DIR/ttyFAKE, which is not there yet: the hub sees it absent.
std::filesystem::path add_absent(Fixture& f, const TempLinkDir& d) {
  f.manager.set_retry_interval_for_test(20ms);
  std::filesystem::path link = d.dir / "ttyFAKE";
  f.manager.add(DeviceSpec{&kFake, link.string(), 9600});
  f.io.run_for(100ms);
  CHECK(f.manager.statuses()[0].state == "absent");
  return link;
}

}  // namespace

TEST_CASE("serial_devices: absent path appears later, then unplugged -> connected, then absent") {
  Fixture f;
  TempLinkDir dir;
  auto link = add_absent(f, dir);
  {
    Pty pty;
    std::filesystem::create_symlink(pty.slave, link);
    REQUIRE(f.run_until([&] { return f.manager.statuses()[0].state == "connected"; }));
    std::filesystem::remove(link);
  }  // master closed: the device is unplugged
  REQUIRE(f.run_until([&] { return f.manager.statuses()[0].state == "absent"; }));
  CHECK(f.counters.get("device_unplugged") == 1);
}

TEST_CASE(
    "serial_devices: a path there but not openable -> error with its class and start, logged and "
    "counted once per reason") {
  Fixture f;
  TempLinkDir dir;
  auto link = add_absent(f, dir);
  CHECK(f.counters.get("device_open_failed") == 0);
  // A node that is not a tty (as a meter the hub may not open: the open fails, the path is
  // there). Root opens any file, so permission itself cannot be the test's refusal.
  { std::ofstream(link.string()) << "not a tty"; }
  REQUIRE(f.run_until([&] { return f.manager.statuses()[0].state == "error"; }));
  const auto first = f.manager.statuses()[0];
  CHECK(first.error == "not_serial");  // the heartbeat's class (device.unreadable's reason)
  REQUIRE(first.error_since.has_value());
  f.io.run_for(200ms);  // ten retries
  CHECK(f.manager.statuses()[0].state == "error");
  CHECK(f.manager.statuses()[0].error_since == first.error_since);  // one episode, not ten
  CHECK(f.counters.get("device_open_failed") == 1);
  std::filesystem::remove(link);
  {
    Pty pty;
    std::filesystem::create_symlink(pty.slave, link);
    REQUIRE(f.run_until([&] { return f.manager.statuses()[0].state == "connected"; }));
    std::filesystem::remove(link);
  }
  REQUIRE(f.run_until([&] { return f.manager.statuses()[0].state == "absent"; }));
  CHECK(f.manager.statuses()[0].error.empty());  // said only while in "error"
  CHECK_FALSE(f.manager.statuses()[0].error_since.has_value());
  { std::ofstream(link.string()) << "not a tty"; }
  REQUIRE(f.run_until([&] { return f.manager.statuses()[0].state == "error"; }));
  CHECK(f.counters.get("device_open_failed") == 2);  // again after it had worked
  CHECK(f.manager.statuses()[0].error_since > first.error_since);  // a new episode
}

TEST_CASE("serial_devices: device pulled (pty closed) -> unplug seen within 2 s, fd closed") {
  Fixture f;
  TempLinkDir tmp;
  const auto link = tmp.dir / "usb-FAKE-if00";
  f.manager.add(DeviceSpec{&kFake, link.string(), 9600});
  auto pty = std::make_unique<Pty>();
  std::filesystem::create_symlink(pty->slave, link);
  REQUIRE(f.run_until([&] { return f.manager.statuses()[0].state == "connected"; }));
  const std::size_t fds_open = open_fds();
  const auto pulled = std::chrono::steady_clock::now();
  pty.reset();
  std::filesystem::remove(link);
  REQUIRE(f.run_until([&] { return f.manager.statuses()[0].state == "absent"; }));
  CHECK(std::chrono::steady_clock::now() - pulled < 2s);
  CHECK(open_fds() < fds_open);  // the port's descriptor (and the test's master) are gone
}

TEST_CASE("serial_devices: link re-pointed to a new tty, old one alive -> old closed, new opened") {
  Fixture f;
  f.manager.set_retry_interval_for_test(20ms);
  f.manager.set_watch_interval_for_test(50ms);
  TempLinkDir tmp;
  const auto link = tmp.dir / "usb-FAKE-if00";
  f.manager.add(DeviceSpec{&kFake, link.string(), 9600});
  Pty old_tty;
  std::filesystem::create_symlink(old_tty.slave, link);
  REQUIRE(f.run_until([&] { return f.manager.statuses()[0].state == "connected"; }));
  // Re-plugged under a new name while the old tty lingers (no EOF on it): only the path watch
  // can tell, and it must within 2 s.
  Pty new_tty;
  std::filesystem::remove(link);
  std::filesystem::create_symlink(new_tty.slave, link);
  const auto replugged = std::chrono::steady_clock::now();
  REQUIRE(f.run_until([&] { return f.counters.get("device_unplugged") == 1; }));
  CHECK(std::chrono::steady_clock::now() - replugged < 2s);
  REQUIRE(f.run_until([&] { return f.manager.statuses()[0].state == "connected"; }));
  new_tty.send("R");  // the new tty is the one being read
  std::string written;
  REQUIRE(f.run_until([&] { return (written += new_tty.drain()) == "A"; }));
  CHECK(old_tty.drain().empty());
}

TEST_CASE("serial_devices: 1000 plug / unplug cycles under new tty names -> no descriptor leak") {
  Fixture f;
  f.manager.set_retry_interval_for_test(1ms);
  TempLinkDir tmp;
  const auto link = tmp.dir / "usb-FAKE-if00";
  f.manager.add(DeviceSpec{&kFake, link.string(), 9600});
  std::size_t baseline = 0;
  for (int cycle = 0; cycle < 1000; ++cycle) {
    {
      Pty pty;
      std::filesystem::create_symlink(pty.slave, link);
      REQUIRE(f.run_until([&] { return f.manager.statuses()[0].state == "connected"; }));
      std::filesystem::remove(link);
    }  // master closed: unplugged
    REQUIRE(f.run_until([&] { return f.manager.statuses()[0].state == "absent"; }));
    if (cycle == 0) baseline = open_fds();
  }
  CHECK(f.counters.get("device_unplugged") == 1000);
  CHECK(open_fds() <= baseline);
}
