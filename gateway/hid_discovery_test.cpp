#include "gateway/hid_discovery.h"

#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "gateway/serial_devices.h"
#include "tests/support/process.h"

using namespace kotona;
using namespace kotona::gateway;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

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

const drivers::DriverDescriptor kContour{"fake_contour",
                                         "0.1.0",
                                         drivers::Status::kWip,
                                         {},
                                         {},
                                         &make_idle,
                                         {drivers::UsbHidMatch{0x1a79, 0x7410}}};
const drivers::DriverDescriptor kOther{"fake_other",
                                       "0.1.0",
                                       drivers::Status::kWip,
                                       {},
                                       {},
                                       &make_idle,
                                       {drivers::UsbHidMatch{0x1234, 0x0001}}};

constexpr const char* kContourUevent =
    "DRIVER=hid-generic\nHID_ID=0003:00001A79:00007410\n"
    "HID_NAME=Bayer HealthCare LLC Contour Next USB\nHID_PHYS=usb-0000:00:14.0-2/input0\n"
    "HID_UNIQ=\nMODALIAS=hid:b0003g0001v00001A79p00007410\n";

// A fake udev/sysfs tree and /dev for one hidraw node; the node is a seqpacket socket.
class FakeNode {
 public:
  FakeNode(const fs::path& root, const std::string& name, const std::string& uevent)
      : entry_(root / "sys" / name), node_((root / "dev" / name).string()) {
    fs::create_directories(entry_ / "device");
    fs::create_directories(root / "dev");
    std::ofstream(entry_ / "device" / "uevent") << uevent;
    listen_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
    REQUIRE(listen_ >= 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, node_.c_str(), sizeof a.sun_path - 1);
    REQUIRE(::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(listen_, 4) == 0);
  }
  ~FakeNode() {  // unplugged: the sysfs entry and the node go, the connection drops
    if (peer_ >= 0) ::close(peer_);
    ::close(listen_);
    ::unlink(node_.c_str());
    fs::remove_all(entry_);
  }
  bool accepted() {
    if (peer_ < 0) peer_ = ::accept(listen_, nullptr, nullptr);
    return peer_ >= 0;
  }
  void send_report(std::uint8_t length_byte, std::uint8_t first) const {
    std::uint8_t r[64] = {'M', 'T', 'R', length_byte, first};
    REQUIRE(::send(peer_, r, sizeof r, 0) == 64);
  }

 private:
  fs::path entry_;
  std::string node_;
  int listen_ = -1;
  int peer_ = -1;
};

template <class Pred>
bool run_until(boost::asio::io_context& io, Pred done) {
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < deadline && !done()) io.run_for(10ms);
  return done();
}

}  // namespace

TEST_CASE("parse_hid_uevent: HID_ID bus, vendor, product, missing or bad -> kMalformed") {
  auto id = parse_hid_uevent(kContourUevent);
  REQUIRE(id);
  CHECK(*id == HidId{0x0003, 0x1a79, 0x7410});
  CHECK(parse_hid_uevent("HID_ID=0005:0000046D:0000B342").value() == HidId{5, 0x046d, 0xb342});
  for (const char* bad : {"", "DRIVER=hid-generic\n", "HID_ID=0003:1A79", "HID_ID=0003:zz:7410",
                          "HID_ID=0003:00011A79:00007410", "HID_ID=0003::7410"}) {
    CAPTURE(bad);
    auto r = parse_hid_uevent(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::kMalformed);
  }
}

TEST_CASE("match_hid_nodes: USB ids -> driver over HID, other bus, unknown ids, known skipped") {
  const std::vector<HidNode> nodes{{"hidraw0", {3, 0x1a79, 0x7410}},
                                   {"hidraw1", {5, 0x1a79, 0x7410}},  // Bluetooth: not ours
                                   {"hidraw2", {3, 0x1a79, 0x9999}},
                                   {"hidraw3", {3, 0x1a79, 0x7410}}};
  const std::set<std::string> known{"/dev/hidraw3"};
  auto specs = match_hid_nodes("/dev", nodes, {&kOther, &kContour},
                               [&](const std::string& p) { return known.count(p) > 0; });
  REQUIRE(specs.size() == 1);
  CHECK(specs[0].driver == &kContour);
  CHECK(specs[0].path == "/dev/hidraw0");
  CHECK(specs[0].transport == DeviceSpec::Transport::kHid);
}

TEST_CASE(
    "astm_glucose: serial_devices HID source: meter plugged, bad report counted, unplugged and "
    "replugged -> one "
    "device") {
  test::TempDir root;
  boost::asio::io_context io;
  Counters counters;
  SerialDevices manager(
      io, GatewayId{"gw-t"},
      StepHooks{[](std::span<const Reading>, const std::optional<OutboxCursor>&) -> Result<void> {
                  return {};
                },
                nullptr},
      counters);
  manager.set_retry_interval_for_test(50ms);
  manager.set_watch_interval_for_test(20ms);
  fs::create_directories(root / "sys");
  manager.set_scan_interval_for_test(10ms);
  manager.watch(
      make_hid_source((root / "sys").string(), (root / "dev").string(), {&kOther, &kContour}));
  io.run_for(50ms);
  CHECK(manager.statuses().empty());

  auto node = std::make_unique<FakeNode>(root.path(), "hidraw0", kContourUevent);
  REQUIRE(run_until(io, [&] { return node->accepted(); }));
  REQUIRE(run_until(io, [&] {
    return manager.statuses().size() == 1 && manager.statuses()[0].state == "connected";
  }));
  CHECK(manager.statuses()[0].driver == "fake_contour");
  CHECK(manager.statuses()[0].port == (root / "dev" / "hidraw0").string());
  node->send_report(61, 0x05);  // bad length byte: counted, the link stays
  node->send_report(1, 0x05);
  REQUIRE(run_until(io, [&] { return counters.get("device_rejected_malformed") == 1; }));
  io.run_for(50ms);
  CHECK(counters.get("device_unplugged") == 0);

  node.reset();  // pulled
  REQUIRE(run_until(io, [&] { return manager.statuses()[0].state == "absent"; }));
  CHECK(counters.get("device_unplugged") == 1);
  node = std::make_unique<FakeNode>(root.path(), "hidraw0", kContourUevent);  // plugged back
  REQUIRE(run_until(io, [&] { return node->accepted(); }));
  REQUIRE(run_until(io, [&] { return manager.statuses()[0].state == "connected"; }));
  CHECK(manager.statuses().size() == 1);  // the same device, not a second one

  FakeNode unrelated(root.path(), "hidraw5", "HID_ID=0003:0000046D:0000C52B\n");  // a mouse
  io.run_for(100ms);
  CHECK(manager.statuses().size() == 1);
  manager.stop();
  io.run_for(50ms);
}
