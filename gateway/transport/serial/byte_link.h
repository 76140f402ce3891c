// ByteLink: the byte-stream link a serial-style driver session runs over, whatever carries it:
// a tty (SerialPort, here) or ASTM inside USB HID reports (transport/hid HidReportLink). The
// gateway's SerialDevices drives every ByteLink the same way; only open() differs.
// Use from one io_context thread only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace kotona::gateway::transport {

using SerialChunk = std::vector<std::uint8_t>;

class ByteLink {
 public:
  enum class State { kOpen, kDisconnected };
  virtual ~ByteLink() = default;

  // The next chunk of bytes (never empty). Error kIo once the link is gone: state() is then
  // kDisconnected and every later read fails at once. Any other error (a malformed HID report)
  // leaves the link open: the caller counts it and reads on.
  virtual boost::asio::awaitable<Result<SerialChunk>> read() = 0;
  // Queues `bytes` for writing in order; returns at once. A write error marks the link
  // kDisconnected. Bytes queued after that are dropped.
  virtual void write(SerialChunk bytes) = 0;
  virtual std::size_t pending_writes() const = 0;
  virtual State state() const = 0;
  virtual const std::string& path() const = 0;
  virtual const std::string& last_error() const = 0;  // "" while open, for logs
  virtual void close() = 0;                           // idempotent; a pending read fails
  virtual void close_because(const std::string& why) = 0;
  // True while path() still names the device this link opened (symlinks followed).
  virtual bool is_path_current() const = 0;
};

}  // namespace kotona::gateway::transport
