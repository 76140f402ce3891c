#include "gateway/transport/hid/hid_link.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <exception>

namespace kotona::gateway::transport {

namespace asio = boost::asio;

namespace {
constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint8_t kEot = 0x04;
constexpr std::uint8_t kReportNumber = 0;  // the Contour meters use no numbered reports

Unexpected io_error(const std::string& what) {
  return fail(Errc::kIo, what + ": " + std::strerror(errno));
}

// A hidraw node is open(2)ed; firmware-sim's stand-in is a seqpacket socket to connect to.
Result<int> open_node(const std::string& path, bool is_socket) {
  if (!is_socket) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return io_error("open " + path);
    return fd;
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    return fail(Errc::kIo, "open " + path + ": socket path too long");
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return io_error("socket for " + path);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    auto error = io_error("connect " + path);
    ::close(fd);
    return error;
  }
  return fd;
}
}  // namespace

Result<HidReportLink::Identity> HidReportLink::identity_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return io_error("stat " + path);
  return Identity{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                  static_cast<std::uint64_t>(st.st_rdev),
                  static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 +
                      st.st_ctim.tv_nsec};
}

Result<std::unique_ptr<HidReportLink>> HidReportLink::open(const asio::any_io_executor& executor,
                                                           const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return io_error("open " + path);
  auto identity = identity_of(path);
  if (!identity) return fail(identity.error());
  auto fd = open_node(path, S_ISSOCK(st.st_mode));
  if (!fd) return fail(fd.error());
  try {
    std::unique_ptr<HidReportLink> link(
        new HidReportLink(asio::posix::stream_descriptor(executor, *fd), path, *identity));
#ifndef KOTONA_BROKEN_HID_NO_WAKE  // negative control: the meter is never woken
    link->write(SerialChunk{kEot});  // wake the meter: it answers with ENQ
#endif
    return link;
  } catch (const std::exception& e) {  // Asio may throw (e.g. allocation, bad executor)
    ::close(*fd);
    return fail(Errc::kIo, "open " + path + ": " + e.what());
  }
}

HidReportLink::HidReportLink(asio::posix::stream_descriptor fd, std::string path, Identity identity)
    : fd_(std::move(fd)), path_(std::move(path)), identity_(identity) {}

HidReportLink::~HidReportLink() {
  *alive_ = false;
  close();
}

bool HidReportLink::is_path_current() const {
  auto now = identity_of(path_);
  return now && *now == identity_;
}

void HidReportLink::close() {
  boost::system::error_code ignored;
  if (fd_.is_open()) fd_.close(ignored);
  if (state_ == State::kOpen) {
    state_ = State::kDisconnected;
    if (last_error_.empty()) last_error_ = "closed";
  }
}

void HidReportLink::mark_disconnected(const std::string& why) {
  if (state_ == State::kDisconnected) return;
  last_error_ = why;
  close();
}

asio::awaitable<Result<SerialChunk>> HidReportLink::read() {
  // One read is one report. Room for more than 64 bytes so an oversized report is seen whole.
  std::array<std::uint8_t, 2 * kHidReportSize> buffer{};
  while (true) {
    if (state_ != State::kOpen) co_return fail(Errc::kIo, path_ + ": " + last_error_);
    auto [ec, n] = co_await fd_.async_read_some(asio::buffer(buffer), kAsTuple);
    if (ec || n == 0) {
      // EOF (the stand-in's peer closed), ENODEV / EIO (meter pulled) or our own close().
      mark_disconnected(ec ? ec.message() : std::string("end of file"));
      co_return fail(Errc::kIo, path_ + ": " + last_error_);
    }
    auto payload = parse_hid_report(std::span<const std::uint8_t>(buffer.data(), n));
    if (!payload) co_return fail(payload.error());
    if (payload->empty()) continue;  // an empty report only ends a unit
    co_return SerialChunk(payload->begin(), payload->end());
  }
}

void HidReportLink::write(SerialChunk bytes) {
  if (state_ != State::kOpen || bytes.empty()) return;
  for (const HidReport& report : encode_hid_reports(bytes)) queue_.push_back(report);
  queued_reports_ = queue_.size();
  if (writing_) return;
  writing_ = true;
  asio::co_spawn(fd_.get_executor(), drain_writes(), asio::detached);
}

asio::awaitable<void> HidReportLink::drain_writes() {
  std::shared_ptr<bool> alive = alive_;
  while (*alive && state_ == State::kOpen && !queue_.empty()) {
    std::array<std::uint8_t, kHidReportSize + 1> message{};
    message[0] = kReportNumber;
    std::copy(queue_.front().begin(), queue_.front().end(), message.begin() + 1);
    queue_.pop_front();
    // One write(2) per report: hidraw and a seqpacket socket both take it whole or not at all.
    auto [ec, n] = co_await fd_.async_write_some(asio::buffer(message), kAsTuple);
    if (!*alive) co_return;  // the link was destroyed while we waited
    queued_reports_ = queue_.size();
    if (ec || n != message.size()) {
      mark_disconnected("write: " + (ec ? ec.message() : std::string("report cut short")));
      break;
    }
    ++reports_written_;
  }
  if (!*alive) co_return;
  queue_.clear();
  queued_reports_ = 0;
  writing_ = false;
}

}  // namespace kotona::gateway::transport
