// The implant relay through the real SerialDevices on a pty: invariant 1 (no ACK before the
// outbox commit; a repeated frame after a withheld ACK is stored) and invariant 11 (every byte
// the hub writes towards the relay is an ACK or NAK frame).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "drivers/api/descriptor.h"
#include "drivers/implant_relay/frame.h"
#include "drivers/implant_relay/test_summary.h"
#include "gateway/serial_devices.h"

namespace kotona::drivers::implant_relay {
const DriverDescriptor& descriptor();  // descriptor.cpp; the registry declares it the same way
}  // namespace kotona::drivers::implant_relay

using namespace kotona;
using namespace kotona::gateway;
using namespace std::chrono_literals;
namespace relay = kotona::drivers::implant_relay;

namespace {

struct RelayPty {
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  std::string slave;
  drivers::Bytes received;  // everything the hub wrote
  RelayPty() {
    REQUIRE(master >= 0);
    REQUIRE(grantpt(master) == 0);
    REQUIRE(unlockpt(master) == 0);
    slave = ptsname(master);
  }
  ~RelayPty() { ::close(master); }
  void send(const drivers::Bytes& b) const {
    REQUIRE(::write(master, b.data(), b.size()) == static_cast<ssize_t>(b.size()));
  }
  void drain() {
    pollfd p{master, POLLIN, 0};
    while (::poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
      std::uint8_t buf[256];
      const auto n = ::read(master, buf, sizeof buf);
      if (n <= 0) break;
      received.insert(received.end(), buf, buf + n);
    }
  }
};

drivers::Bytes summary_frame(std::uint8_t seq) {
  auto b = relay::test::PayloadBuilder::header(30, 1);
  b.enumerated(0x0001, 2);
  return relay::test::make_frame(relay::kTypeSummary, seq, b.bytes);
}

}  // namespace

TEST_CASE("serial_devices + implant_relay: commit fails -> no ACK, repeat -> stored, ACKed") {
  boost::asio::io_context io;
  Counters counters;
  bool fail_commit = true;
  std::vector<Reading> stored;
  SerialDevices manager(io, GatewayId{"gw-t"},
                        StepHooks{[&](std::span<const Reading> r,
                                      const std::optional<OutboxCursor>&) -> Result<void> {
                                    if (fail_commit) return fail(Errc::kIo, "disk full");
                                    stored.insert(stored.end(), r.begin(), r.end());
                                    return {};
                                  },
                                  nullptr},
                        counters);
  RelayPty pty;
  manager.add(DeviceSpec{&relay::descriptor(), pty.slave, 115200});
  auto run_until = [&](auto predicate) {
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    while (!predicate() && std::chrono::steady_clock::now() < deadline) {
      io.run_for(2ms);
      pty.drain();
    }
    return predicate();
  };
  REQUIRE(run_until([&] { return manager.statuses()[0].state == "connected"; }));
  pty.send(summary_frame(4));
  REQUIRE(run_until([&] { return counters.get("outbox_commit_failed") == 1; }));
  io.run_for(50ms);
  pty.drain();
  CHECK(pty.received.empty());  // no ACK: the relay keeps the summary
  fail_commit = false;
  pty.send(summary_frame(4));  // the relay's retransmission, byte for byte
  REQUIRE(run_until([&] { return !pty.received.empty(); }));
  REQUIRE(stored.size() == 1);
  CHECK(std::get<CardiacImplantSummary>(stored[0].measurement).battery_status ==
        BatteryStatus::kRrtEri);
  CHECK(pty.received == relay::encode_ack(4));
  // Noise and a damaged frame: whatever the hub answers is still only ACK / NAK frames.
  drivers::Bytes bad = summary_frame(5);
  bad[9] ^= 0x10;
  pty.send(drivers::Bytes{0x00, 0x7E, 0x02});
  pty.send(bad);
  pty.send(summary_frame(6));
  REQUIRE(run_until([&] { return stored.size() == 2; }));
  io.run_for(50ms);
  pty.drain();
  std::span<const std::uint8_t> rest(pty.received);
  std::size_t frames = 0;
  while (!rest.empty()) {
    const relay::Scan s = relay::scan_frame(rest);
    REQUIRE(s.kind == relay::Scan::Kind::kFrame);
    CHECK((s.frame.type == relay::kTypeAck || s.frame.type == relay::kTypeNak));
    rest = rest.subspan(s.consumed);
    ++frames;
  }
  CHECK(frames == 3);  // ACK 4, NAK 5, ACK 6
  manager.stop();
  io.run_for(20ms);
}
