#include "firmware-sim/hid_port.h"

#include <doctest/doctest.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace kotona;
using namespace kotona::firmware_sim;
namespace fs = std::filesystem;

namespace {

struct TempRoot {
  fs::path path;
  TempRoot() {
    std::string t = (fs::temp_directory_path() / "kotona-hidsim-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempRoot() { fs::remove_all(path); }
};

// The hub's side: connect to the node, one message per report.
int connect_node(const std::string& node) {
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET, 0);
  REQUIRE(fd >= 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, node.c_str(), sizeof a.sun_path - 1);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

Bytes receive(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 2000) != 1) return {};
  Bytes buf(256);
  const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
  buf.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return buf;
}

void send_host_report(int fd, std::uint8_t byte) {
  std::uint8_t r[65] = {0, 'A', 'B', 'C', 1, byte};
  REQUIRE(::send(fd, r, sizeof r, 0) == 65);
}

}  // namespace

TEST_CASE("firmware-sim hid: reports are ABC, length, payload, padding, a unit ends short") {
  CHECK(encode_meter_reports({}).size() == 1);
  const auto one = encode_meter_reports(Bytes{0x05});
  REQUIRE(one.size() == 1);
  CHECK(one[0].size() == 64);
  CHECK(one[0][3] == 1);
  CHECK(one[0][4] == 0x05);
  const auto full = encode_meter_reports(Bytes(60, 'x'));
  REQUIRE(full.size() == 2);
  CHECK(full[1][3] == 0);
  const auto three = encode_meter_reports(Bytes(125, 'y'));
  REQUIRE(three.size() == 3);
  CHECK(three[2][3] == 5);
}

TEST_CASE("firmware-sim hid: udev entry, silent until woken, ENQ after the wake, unplug removes") {
  TempRoot root;
  const std::string node = (root.path / "hidraw0").string();
  auto port = HidPort::open(node, (root.path / "sys").string(), HidIdentity{});
  REQUIRE(port);
  std::stringstream uevent;
  uevent << std::ifstream(root.path / "sys" / "hidraw0" / "device" / "uevent").rdbuf();
  CHECK(uevent.str().find("HID_ID=0003:00001A79:00007410\n") != std::string::npos);

  const int host = connect_node(node);
  const std::uint8_t enq = 0x05;
  REQUIRE(::write((*port)->master_fd(), &enq, 1) == 1);  // the meter's ENQ: held
  pollfd p{host, POLLIN, 0};
  CHECK(::poll(&p, 1, 200) == 0);
  send_host_report(host, 0x04);  // the wake-up
  auto report = receive(host);
  REQUIRE(report.size() == 64);
  CHECK(report[3] == 1);
  CHECK(report[4] == 0x05);
  send_host_report(host, 0x06);  // ACK reaches the meter as a byte
  Bytes at_meter;                // the wake-up EOT, then the ACK
  pollfd m{(*port)->master_fd(), POLLIN, 0};
  while (at_meter.size() < 2 && ::poll(&m, 1, 2000) == 1) {
    std::uint8_t got[8] = {};
    const ssize_t n = ::read((*port)->master_fd(), got, sizeof got);
    if (n <= 0) break;
    at_meter.insert(at_meter.end(), got, got + n);
  }
  CHECK(at_meter == Bytes{0x04, 0x06});

  (*port)->send_bad_reports(2);
  CHECK(receive(host).size() == 64);  // length byte 61
  CHECK(receive(host).size() == 10);  // short
  port->reset();
  CHECK_FALSE(fs::exists(root.path / "sys" / "hidraw0"));
  CHECK_FALSE(fs::exists(node));
  CHECK(receive(host).empty());  // the hub's read ends: unplugged
  ::close(host);
}
