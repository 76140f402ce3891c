#include "gateway/transport/serial/serial_port.h"

#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <exception>

namespace kotona::gateway::transport {

namespace asio = boost::asio;

namespace {
constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

// Sets raw 8N1 at `baud`; Asio's open() already puts the tty in raw mode.
boost::system::error_code configure(asio::serial_port& port, std::uint32_t baud) {
  boost::system::error_code ec;
  port.set_option(asio::serial_port_base::baud_rate(baud), ec);
  if (ec) return ec;
  port.set_option(asio::serial_port_base::character_size(8), ec);
  if (ec) return ec;
  port.set_option(asio::serial_port_base::parity(asio::serial_port_base::parity::none), ec);
  if (ec) return ec;
  port.set_option(asio::serial_port_base::stop_bits(asio::serial_port_base::stop_bits::one), ec);
  if (ec) return ec;
  port.set_option(
      asio::serial_port_base::flow_control(asio::serial_port_base::flow_control::none), ec);
  return ec;
}
}  // namespace

Result<std::unique_ptr<SerialPort>> SerialPort::open(const asio::any_io_executor& executor,
                                                     const std::string& path, std::uint32_t baud) {
  try {
    asio::serial_port port(executor);
    boost::system::error_code ec;
    port.open(path, ec);
    if (ec) return fail(Errc::kIo, "open " + path + ": " + ec.message());
    ec = configure(port, baud);
    if (ec) {
      return fail(Errc::kIo, "configure " + path + " at " + std::to_string(baud) + " baud: " +
                                 ec.message());
    }
    struct stat st {};
    if (::fstat(port.native_handle(), &st) != 0) {
      return fail(Errc::kIo, "fstat " + path + ": " + std::strerror(errno));
    }
    return std::unique_ptr<SerialPort>(
        new SerialPort(std::move(port), path, static_cast<std::uint64_t>(st.st_rdev)));
  } catch (const std::exception& e) {  // Asio may still throw (e.g. allocation, bad executor)
    return fail(Errc::kIo, "open " + path + ": " + e.what());
  }
}

SerialPort::SerialPort(asio::serial_port port, std::string path, std::uint64_t device_number)
    : port_(std::move(port)), path_(std::move(path)), device_number_(device_number) {}

bool SerialPort::is_path_current() const {
  struct stat st {};
  return ::stat(path_.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_rdev) == device_number_;
}

SerialPort::~SerialPort() {
  *alive_ = false;
  close();
}

void SerialPort::close() {
  boost::system::error_code ignored;
  if (port_.is_open()) port_.close(ignored);
  if (state_ == State::kOpen) {
    state_ = State::kDisconnected;
    if (last_error_.empty()) last_error_ = "closed";
  }
}

void SerialPort::mark_disconnected(const std::string& why) {
  if (state_ == State::kDisconnected) return;
  last_error_ = why;
  close();
}

asio::awaitable<Result<SerialChunk>> SerialPort::read() {
  if (state_ != State::kOpen) co_return fail(Errc::kIo, path_ + ": " + last_error_);
  std::array<std::uint8_t, 512> buffer{};
  auto [ec, n] = co_await port_.async_read_some(asio::buffer(buffer), kAsTuple);
  if (ec || n == 0) {
    // EOF, EIO (pty master closed), ENODEV (USB adapter pulled) or our own close().
    mark_disconnected(ec ? ec.message() : std::string("end of file"));
    co_return fail(Errc::kIo, path_ + ": " + last_error_);
  }
  co_return SerialChunk(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
}

void SerialPort::write(SerialChunk bytes) {
  if (state_ != State::kOpen || bytes.empty()) return;
  queued_bytes_ += bytes.size();
  queue_.push_back(std::move(bytes));
  if (writing_) return;
  writing_ = true;
  asio::co_spawn(port_.get_executor(), drain_writes(), asio::detached);
}

asio::awaitable<void> SerialPort::drain_writes() {
  std::shared_ptr<bool> alive = alive_;
  while (*alive && state_ == State::kOpen && !queue_.empty()) {
    SerialChunk chunk = std::move(queue_.front());
    queue_.pop_front();
    auto [ec, n] = co_await asio::async_write(port_, asio::buffer(chunk), kAsTuple);
    if (!*alive) co_return;  // the port was destroyed while we waited
    queued_bytes_ -= chunk.size();
    if (ec) {
      mark_disconnected("write: " + ec.message());
      break;
    }
  }
  if (!*alive) co_return;
  queue_.clear();
  queued_bytes_ = 0;
  writing_ = false;
}

}  // namespace kotona::gateway::transport
