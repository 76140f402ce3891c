// HidReportLink: ASTM-in-HID-reports (report.h) over a hidraw node, as a ByteLink: every read()
// is one 64-byte report whose payload becomes the chunk; every write is cut into reports, each
// written as report number 0 + 64 bytes (hidraw.rst). On open it sends one wake-up report (EOT:
// the Contour meters speak only after the host wrote something; glucometerutils contourusb.py).
//
// The one seam for tests (no /dev/uhid here): when the path is a Unix SOCK_SEQPACKET socket
// (firmware-sim's pseudo-device) open() connects to it instead of open(2)ing a node; a seqpacket
// socket keeps each report a message, as hidraw does. Everything after open() is the same code.
// Unplug (EOF, ENODEV, path gone) is state, never an exception. One io_context thread only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <deque>
#include <memory>
#include <string>

#include "gateway/transport/hid/report.h"
#include "gateway/transport/serial/byte_link.h"

namespace kotona::gateway::transport {

class HidReportLink final : public ByteLink {
 public:
  // Opens `path` (a hidraw node, or a seqpacket socket standing in for one) and queues the wake
  // report. Error kIo naming the path and the reason.
  [[nodiscard]] static Result<std::unique_ptr<HidReportLink>> open(
      const boost::asio::any_io_executor& executor, const std::string& path);

  ~HidReportLink() override;
  HidReportLink(const HidReportLink&) = delete;
  HidReportLink& operator=(const HidReportLink&) = delete;

  // The payload of the next non-empty report. kIo when the device is gone; kTruncated or
  // kMalformed (report.h) for a bad report: the link stays open and the report is dropped.
  boost::asio::awaitable<Result<SerialChunk>> read() override;
  void write(SerialChunk bytes) override;
  std::size_t pending_writes() const override { return queued_reports_ * kHidReportSize; }
  State state() const override { return state_; }
  const std::string& path() const override { return path_; }
  const std::string& last_error() const override { return last_error_; }
  void close() override;
  void close_because(const std::string& why) override { mark_disconnected(why); }
  bool is_path_current() const override;

  // Reports written to the device since open (the wake report included), for tests.
  std::uint64_t reports_written() const { return reports_written_; }

 private:
  struct Identity {  // of the node at path(): a replugged meter gets a new node (new ctime)
    std::uint64_t device = 0, inode = 0, rdev = 0;
    std::int64_t ctime_ns = 0;
    friend bool operator==(const Identity&, const Identity&) = default;
  };
  HidReportLink(boost::asio::posix::stream_descriptor fd, std::string path, Identity identity);
  boost::asio::awaitable<void> drain_writes();
  void mark_disconnected(const std::string& why);
  static Result<Identity> identity_of(const std::string& path);

  boost::asio::posix::stream_descriptor fd_;
  std::string path_;
  Identity identity_;
  State state_ = State::kOpen;
  std::string last_error_;
  std::deque<HidReport> queue_;
  std::size_t queued_reports_ = 0;
  std::uint64_t reports_written_ = 0;
  bool writing_ = false;
  // Shared with the writer coroutine so it can tell the link was destroyed; this object and
  // the detached writer are the two owners.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kotona::gateway::transport
