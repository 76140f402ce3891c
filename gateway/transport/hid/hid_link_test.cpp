#include "gateway/transport/hid/hid_link.h"

#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace asio = boost::asio;
using namespace kotona;
using namespace kotona::gateway::transport;

namespace {

// The test plays the meter: a listening seqpacket socket at `path` (the pseudo-hidraw node).
class FakeMeter {
 public:
  explicit FakeMeter(std::string path) : path_(std::move(path)) {
    listen_ = ::socket(AF_UNIX, SOCK_SEQPACKET, 0);
    REQUIRE(listen_ >= 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path_.c_str(), sizeof a.sun_path - 1);
    REQUIRE(::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(listen_, 4) == 0);
  }
  ~FakeMeter() {
    if (peer_ >= 0) ::close(peer_);
    ::close(listen_);
    ::unlink(path_.c_str());
  }
  void accept() {
    pollfd p{listen_, POLLIN, 0};
    REQUIRE(::poll(&p, 1, 2000) == 1);
    peer_ = ::accept(listen_, nullptr, nullptr);
    REQUIRE(peer_ >= 0);
  }
  void send(const std::vector<std::uint8_t>& report) const {
    REQUIRE(::send(peer_, report.data(), report.size(), 0) == static_cast<ssize_t>(report.size()));
  }
  // One message from the hub (report number + report), or nullopt after 2 s.
  std::optional<std::vector<std::uint8_t>> receive() const {
    pollfd p{peer_, POLLIN, 0};
    if (::poll(&p, 1, 2000) != 1) return std::nullopt;
    std::vector<std::uint8_t> buf(256);
    const ssize_t n = ::recv(peer_, buf.data(), buf.size(), 0);
    if (n <= 0) return std::nullopt;
    buf.resize(static_cast<std::size_t>(n));
    return buf;
  }
  void hang_up() {
    ::close(peer_);
    peer_ = -1;
  }

 private:
  std::string path_;
  int listen_ = -1;
  int peer_ = -1;
};

std::vector<std::uint8_t> report(const std::string& payload, std::size_t length_byte,
                                 std::size_t size = 64) {
  std::vector<std::uint8_t> r(size, 0);
  r[0] = 'M', r[1] = 'T', r[2] = 'R';
  r[3] = static_cast<std::uint8_t>(length_byte);
  std::memcpy(r.data() + 4, payload.data(), std::min(payload.size(), size - 4));
  return r;
}

// Runs read() on the loop until it completes.
Result<SerialChunk> read_one(asio::io_context& io, HidReportLink& link) {
  std::optional<Result<SerialChunk>> out;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { out = co_await link.read(); }, asio::detached);
  io.restart();
  for (int i = 0; i < 200 && !out; ++i) io.run_for(std::chrono::milliseconds(10));
  REQUIRE(out.has_value());
  return *out;
}

std::string text(const SerialChunk& c) { return {c.begin(), c.end()}; }

}  // namespace

TEST_CASE("hid_link: absent path -> kIo naming the path") {
  asio::io_context io;
  auto link = HidReportLink::open(io.get_executor(), "/dev/hidraw-kotona-absent");
  REQUIRE_FALSE(link);
  CHECK(link.error().code == Errc::kIo);
  CHECK(link.error().detail.find("/dev/hidraw-kotona-absent") != std::string::npos);
}

TEST_CASE("hid_link: wake report on open, payloads in order, writes cut into reports") {
  test::TempDir dir;
  const std::string path = (dir / "hidraw0").string();
  FakeMeter meter(path);
  asio::io_context io;
  auto link = HidReportLink::open(io.get_executor(), path);
  REQUIRE(link);
  meter.accept();
  io.restart();
  io.run_for(std::chrono::milliseconds(50));
  auto wake = meter.receive();
  REQUIRE(wake);
  REQUIRE(wake->size() == 65);  // report number 0 + one 64-byte report
  CHECK((*wake)[0] == 0);
  CHECK(std::string(wake->begin() + 1, wake->begin() + 4) == "ABC");
  CHECK((*wake)[4] == 1);
  CHECK((*wake)[5] == 0x04);  // EOT: any byte but ACK/NAK wakes the meter

  meter.send(report("\x05", 1));
  meter.send(report(std::string(60, 'a'), 60));
  meter.send(report("", 0));  // ends a 60-byte unit: no chunk
  meter.send(report("bc", 2));
  CHECK(text(*read_one(io, **link)) == "\x05");
  CHECK(text(*read_one(io, **link)) == std::string(60, 'a'));
  CHECK(text(*read_one(io, **link)) == "bc");

  (*link)->write(SerialChunk(130, 0x06));
  io.restart();
  io.run_for(std::chrono::milliseconds(50));
  std::vector<int> lengths;
  for (int i = 0; i < 3; ++i) {
    auto r = meter.receive();
    REQUIRE(r);
    CHECK(r->size() == 65);
    lengths.push_back((*r)[4]);
  }
  CHECK(lengths == std::vector<int>{60, 60, 10});
  CHECK((*link)->reports_written() == 4);
}

TEST_CASE("hid_link: bad length byte, short report, garbage -> clear error, link stays open") {
  test::TempDir dir;
  const std::string path = (dir / "hidraw1").string();
  FakeMeter meter(path);
  asio::io_context io;
  auto link = HidReportLink::open(io.get_executor(), path);
  REQUIRE(link);
  meter.accept();
  meter.send(report("x", 61));
  meter.send(report("", 0, 10));
  meter.send(std::vector<std::uint8_t>(64, 0xff));  // garbage: length byte 255
  meter.send(report("\x05", 1));
  auto bad = read_one(io, **link);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == Errc::kMalformed);
  CHECK(bad.error().detail == "length byte 61 over 60");
  auto shorter = read_one(io, **link);
  REQUIRE_FALSE(shorter);
  CHECK(shorter.error().code == Errc::kTruncated);
  CHECK(shorter.error().detail == "short report: 10 bytes, expected 64");
  auto garbage = read_one(io, **link);
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().detail == "length byte 255 over 60");
  CHECK((*link)->state() == ByteLink::State::kOpen);
  CHECK(text(*read_one(io, **link)) == "\x05");  // the next good report still gets through
}

TEST_CASE(
    "astm_glucose: hid_link: meter pulled -> kIo, disconnected, a new node at the path is not "
    "current") {
  test::TempDir dir;
  const std::string path = (dir / "hidraw2").string();
  auto meter = std::make_unique<FakeMeter>(path);
  asio::io_context io;
  auto link = HidReportLink::open(io.get_executor(), path);
  REQUIRE(link);
  meter->accept();
  CHECK((*link)->is_path_current());
  meter->hang_up();
  auto gone = read_one(io, **link);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == Errc::kIo);
  CHECK((*link)->state() == ByteLink::State::kDisconnected);
  meter.reset();  // the node disappears
  CHECK_FALSE((*link)->is_path_current());
  FakeMeter again(path);  // replugged: same name, another node
  CHECK_FALSE((*link)->is_path_current());
}
