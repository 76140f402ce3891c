// SerialPort: an Asio serial_port adapter for one device link (raw 8N1), read as byte chunks,
// written through an internal queue. Unplug (read/write error, EOF, path gone) is state, not an
// exception: every Asio exception is caught here. Use from one io_context thread only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/serial_port.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "gateway/transport/serial/byte_link.h"

namespace kotona::gateway::transport {

class SerialPort final : public ByteLink {
 public:

  // Opens `path` at `baud`, raw 8N1, no flow control.
  // Errors: kIo when the path is absent or cannot be configured (detail names path and reason).
  [[nodiscard]] static Result<std::unique_ptr<SerialPort>> open(
      const boost::asio::any_io_executor& executor, const std::string& path, std::uint32_t baud);

  ~SerialPort() override;
  SerialPort(const SerialPort&) = delete;
  SerialPort& operator=(const SerialPort&) = delete;

  // The next chunk of bytes (never empty). Error kIo once the link is gone (EOF, EIO, closed);
  // state() is then kDisconnected and every later read fails at once.
  boost::asio::awaitable<Result<SerialChunk>> read() override;

  // Queues `bytes` for writing in order; returns at once. A write error marks the port
  // kDisconnected (the pending read then fails too). Bytes queued after that are dropped.
  void write(SerialChunk bytes) override;

  // Bytes still waiting in the write queue (0 when everything was handed to the OS).
  std::size_t pending_writes() const override { return queued_bytes_; }

  State state() const override { return state_; }
  const std::string& path() const override { return path_; }
  // Last error seen ("" while open), for logs.
  const std::string& last_error() const override { return last_error_; }
  // Closes the port; a pending read completes with an error. Idempotent.
  void close() override;
  // Closes the port with `why` as last_error() (e.g. the path went away). Idempotent.
  void close_because(const std::string& why) override { mark_disconnected(why); }
  // True while path() still names the device this port opened (same device number, symlinks
  // followed). False once the path is gone or points at another device: a USB adapter pulled
  // while its tty lingers, or re-plugged and now under a new /dev name.
  bool is_path_current() const override;

 private:
  SerialPort(boost::asio::serial_port port, std::string path, std::uint64_t device_number);
  boost::asio::awaitable<void> drain_writes();
  void mark_disconnected(const std::string& why);

  boost::asio::serial_port port_;
  std::string path_;
  std::uint64_t device_number_ = 0;  // st_rdev of the opened tty
  State state_ = State::kOpen;
  std::string last_error_;
  std::deque<SerialChunk> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  // Shared with the writer coroutine so it can tell the port was destroyed; this object and
  // the detached writer are the two owners.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kotona::gateway::transport
