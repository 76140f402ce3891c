#include "gateway/transport/serial/serial_port.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <string>

namespace asio = boost::asio;
using kotona::gateway::transport::SerialChunk;
using kotona::gateway::transport::SerialPort;

namespace {

// A pseudo-terminal pair: the test plays the device on the master side.
struct Pty {
  int master = -1;
  std::string slave_path;
  Pty() {
    master = posix_openpt(O_RDWR | O_NOCTTY);
    REQUIRE(master >= 0);
    REQUIRE(grantpt(master) == 0);
    REQUIRE(unlockpt(master) == 0);
    slave_path = ptsname(master);
  }
  ~Pty() { close_master(); }
  void close_master() {
    if (master >= 0) ::close(master);
    master = -1;
  }
  void send(const std::string& text) const {
    REQUIRE(::write(master, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }
  // Reads what the adapter wrote, waiting up to 2 s.
  std::string receive(std::size_t want) const {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
      pollfd p{master, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[256];
      auto n = ::read(master, buf, sizeof buf);
      if (n > 0) out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
};

}  // namespace

TEST_CASE("serial_port: absent path -> kIo error naming the path") {
  asio::io_context io;
  auto port = SerialPort::open(io.get_executor(), "/dev/does-not-exist-kotona", 9600);
  REQUIRE_FALSE(port.has_value());
  CHECK(port.error().code == kotona::Errc::kIo);
  CHECK(port.error().detail.find("/dev/does-not-exist-kotona") != std::string::npos);
}

TEST_CASE("serial_port: bytes written on the pty master -> read as a chunk") {
  Pty pty;
  asio::io_context io;
  auto port = SerialPort::open(io.get_executor(), pty.slave_path, 9600);
  REQUIRE(port.has_value());
  pty.send("\x05hello");
  std::string got;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        while (got.size() < 6) {
          auto chunk = co_await (*port)->read();
          if (!chunk) co_return;
          got.append(chunk->begin(), chunk->end());
        }
      },
      asio::detached);
  io.run_for(std::chrono::seconds(2));
  CHECK(got == "\x05hello");
}

TEST_CASE("serial_port: write -> bytes arrive on the pty master in order") {
  Pty pty;
  asio::io_context io;
  auto port = SerialPort::open(io.get_executor(), pty.slave_path, 115200);
  REQUIRE(port.has_value());
  (*port)->write(SerialChunk{'\x06'});
  (*port)->write(SerialChunk{'a', 'b'});
  io.run_for(std::chrono::milliseconds(200));
  CHECK(pty.receive(3) == "\x06" "ab");
  CHECK((*port)->pending_writes() == 0);
}

TEST_CASE("serial_port: pty master closed -> read fails and state is disconnected") {
  Pty pty;
  asio::io_context io;
  auto port = SerialPort::open(io.get_executor(), pty.slave_path, 9600);
  REQUIRE(port.has_value());
  std::optional<bool> read_ok;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto chunk = co_await (*port)->read();
        read_ok = chunk.has_value();
      },
      asio::detached);
  io.poll();
  pty.close_master();
  io.run_for(std::chrono::seconds(2));
  REQUIRE(read_ok.has_value());
  CHECK_FALSE(*read_ok);
  CHECK((*port)->state() == SerialPort::State::kDisconnected);
  CHECK_FALSE((*port)->last_error().empty());
}

TEST_CASE("serial_port: close while a read is pending -> read fails, no exception") {
  Pty pty;
  asio::io_context io;
  auto port = SerialPort::open(io.get_executor(), pty.slave_path, 9600);
  REQUIRE(port.has_value());
  std::optional<bool> read_ok;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto chunk = co_await (*port)->read();
        read_ok = chunk.has_value();
      },
      asio::detached);
  io.poll();
  (*port)->close();
  io.run_for(std::chrono::seconds(1));
  REQUIRE(read_ok.has_value());
  CHECK_FALSE(*read_ok);
  (*port)->write(SerialChunk{'x'});  // dropped, no throw
  CHECK((*port)->pending_writes() == 0);
}
