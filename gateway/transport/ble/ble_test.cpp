// The BLE transport against firmware-sim's BlueZ peripherals on a real private dbus-daemon:
// the same D-Bus calls and signals the transport uses with real BlueZ. No mocks.
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "gateway/transport/ble/ble.h"
#include "tests/support/dbus_daemon.h"
#include "tests/support/process.h"

using namespace kotona;
using namespace kotona::gateway::transport;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using Kind = BleEvent::Kind;

namespace {

constexpr const char* kAddress = "C0:FF:EE:00:00:01";

struct Rig {
  explicit Rig(std::vector<std::string> sim_args) : bus(dir.path()) {
    std::vector<std::string> argv{test::bin("firmware-sim/kotona-firmware-sim"), sim_args[0],
                                  "--bus", bus.address(), "--address", kAddress};
    argv.insert(argv.end(), sim_args.begin() + 1, sim_args.end());
    sim = std::make_unique<test::Child>(argv, dir / "sim.log");
    REQUIRE(sim->wait_for_log("device ready on", 10s));
    auto opened = BleBus::open(io.get_executor(), bus.address(), "hci0");
    REQUIRE(opened);
    ble = std::move(*opened);
  }
  // Runs `body` on the io_context until it returns (bounded by `limit`).
  template <typename F>
  void run(F body, std::chrono::seconds limit = 20s) {
    bool done = false;
    std::exception_ptr error;
    asio::co_spawn(io, body(), [&](std::exception_ptr e) {
      done = true;
      error = e;
      io.stop();
    });
    io.run_for(limit);
    if (error) std::rethrow_exception(error);
    CHECK_MESSAGE(done, sim->log_text());
  }

  test::TempDir dir;
  test::DbusDaemon bus;
  std::unique_ptr<test::Child> sim;
  asio::io_context io;
  std::unique_ptr<BleBus> ble;
};

std::string text(const std::vector<std::uint8_t>& b) { return {b.begin(), b.end()}; }

}  // namespace

TEST_CASE("ble_uuid16: Bluetooth Base UUIDs only") {
  CHECK(ble_uuid16("00002a35-0000-1000-8000-00805f9b34fb") == 0x2A35);
  CHECK(ble_uuid16("00002A35-0000-1000-8000-00805F9B34FB") == 0x2A35);
  CHECK(ble_uuid16("12345678-0000-1000-8000-00805f9b34fb") == 0);
  CHECK(ble_uuid16("garbage") == 0);
  CHECK(ble_uuid128(0x180A) == "0000180a-0000-1000-8000-00805f9b34fb");
}

TEST_CASE(
    "ble_bp: BleLink: bonded BP cuff -> connect, read DIS, indication, device ends link, retry "
    "fails") {
  Rig rig({"ble-bp", "--serial", "BP-42", "--idle-disconnect-ms", "400", "measure", "128/84/61",
           "hold"});
  auto link = rig.ble->link(kAddress);
  rig.run([&]() -> asio::awaitable<void> {
    link->connect();
    auto e = co_await link->next_event();
    REQUIRE_MESSAGE(e.kind == Kind::kConnected, e.detail);
    link->read(0x2A25);
    link->subscribe(0x2A35);
    e = co_await link->next_event();
    REQUIRE(e.kind == Kind::kValue);
    CHECK(e.uuid16 == 0x2A25);
    CHECK(text(e.bytes) == "BP-42");
    e = co_await link->next_event();  // the stored measurement, sent after the subscription
    REQUIRE_MESSAGE(e.kind == Kind::kValue, e.detail);
    CHECK(e.uuid16 == 0x2A35);
    REQUIRE(e.bytes.size() >= 7);
    CHECK(e.bytes[1] == 128);
    CHECK(e.bytes[3] == 84);
    e = co_await link->next_event();  // idle: the cuff ends the connection
    CHECK(e.kind == Kind::kDisconnected);
    CHECK_FALSE(link->is_connected());
    link->read(0x2A25);  // not connected: fails at once
    e = co_await link->next_event();
    CHECK(e.kind == Kind::kFailed);
    link->connect();  // nothing left to send: the cuff no longer advertises
    e = co_await link->next_event();
    CHECK(e.kind == Kind::kFailed);
    CHECK(e.detail.find("le-connection-abort-by-local") != std::string::npos);
  });
}

TEST_CASE("BleLink: unbonded device -> discovered by service UUID, paired, connected") {
  Rig rig({"ble-glucose", "--unbonded", "measure", "5.4", "hold"});
  rig.ble->set_discovery_filter({0x1808});
  std::vector<std::pair<std::string, std::uint16_t>> seen;
  rig.ble->watch([&](const std::string& a, std::uint16_t s) { seen.emplace_back(a, s); });
  auto link = rig.ble->link(kAddress);
  rig.run([&]() -> asio::awaitable<void> {
    link->connect(10s);
    auto e = co_await link->next_event();
    REQUIRE_MESSAGE(e.kind == Kind::kConnected, e.detail);
    link->read(0x2A2B);
    link->read(0x2A99);  // absent in this device
    e = co_await link->next_event();
    CHECK(e.kind == Kind::kValue);
    CHECK(e.bytes.size() == 10);
    e = co_await link->next_event();
    CHECK(e.kind == Kind::kFailed);
    CHECK(e.uuid16 == 0x2A99);
    CHECK(e.detail == "not present");
  });
  REQUIRE(seen.size() >= 1);
  CHECK(seen[0].first == kAddress);
  CHECK(seen[0].second == 0x1808);
  CHECK(rig.sim->log_text().find("paired") != std::string::npos);
}

TEST_CASE("BleLink: bond lost on the device -> command fails and kNeedsPairing, once") {
  Rig rig({"ble-bp", "bond-lost", "measure", "120/80/70", "hold"});
  auto link = rig.ble->link(kAddress);
  rig.run([&]() -> asio::awaitable<void> {
    link->connect();
    auto e = co_await link->next_event();
    REQUIRE_MESSAGE(e.kind == Kind::kConnected, e.detail);
    link->read(0x2A25);      // DIS is not encrypted: fine
    link->subscribe(0x2A35);  // encrypted: the device has no keys for us
    link->subscribe(0x2A36);
    e = co_await link->next_event();
    CHECK(e.kind == Kind::kValue);
    e = co_await link->next_event();
    CHECK(e.kind == Kind::kFailed);
    CHECK(e.detail.find("NotAuthorized") != std::string::npos);
    e = co_await link->next_event();
    CHECK(e.kind == Kind::kNeedsPairing);
    link->read(0x2A29);
    e = co_await link->next_event();  // 0x2A36 is not encrypted: its subscribe worked silently
    CHECK(e.kind == Kind::kValue);
    CHECK(e.uuid16 == 0x2A29);
  });
}

TEST_CASE("BleLink: device absent from BlueZ and not advertising -> kFailed not found in time") {
  Rig rig({"ble-weight", "--unbonded", "hold"});
  auto link = rig.ble->link(kAddress);
  rig.run([&]() -> asio::awaitable<void> {
    link->connect(300ms);
    auto e = co_await link->next_event();
    CHECK(e.kind == Kind::kFailed);
    CHECK(e.detail.find("not found") != std::string::npos);
  });
}

TEST_CASE("BleLink: unbonded device, pairing not allowed -> kFailed not paired, never paired") {
  Rig rig({"ble-glucose", "--unbonded", "measure", "5.4", "hold"});
  rig.ble->set_discovery_filter({0x1808});
  rig.ble->watch([](const std::string&, std::uint16_t) {});
  auto link = rig.ble->link(kAddress);
  rig.run([&]() -> asio::awaitable<void> {
    link->connect(10s, /*may_pair=*/false);
    auto e = co_await link->next_event();
    CHECK(e.kind == Kind::kFailed);
    CHECK(e.detail == kNotPaired);
    CHECK_FALSE(link->is_connected());
  });
  CHECK(rig.sim->log_text().find("paired") == std::string::npos);
}
