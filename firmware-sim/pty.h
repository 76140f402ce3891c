// Pty: a pseudo-terminal standing in for a serial cable. The simulator owns the master; it also
// keeps the slave open itself, so the master never reads EIO when the gateway closes its end.
// An optional symlink (like /dev/serial/by-id/...) points at the slave. Move-only; one owner.
#pragma once

#include <string>

#include "core/result.h"

namespace kotona::firmware_sim {

class Pty {
 public:
  // Opens a raw-mode pty and (when `link` is not empty) replaces `link` with a symlink to the
  // slave. Error kIo naming the failing call.
  [[nodiscard]] static Result<Pty> open(const std::string& link);
  Pty(Pty&& other) noexcept;
  Pty& operator=(Pty&& other) noexcept;
  Pty(const Pty&) = delete;
  Pty& operator=(const Pty&) = delete;
  ~Pty();  // closes both ends and removes the link

  int master_fd() const { return master_; }
  const std::string& slave_path() const { return slave_path_; }
  // The link when there is one, else the slave path: what the gateway should open.
  const std::string& device_path() const { return link_.empty() ? slave_path_ : link_; }
  // Drops bytes written to the master that nobody read on the slave side (stale ENQs).
  void discard_unread();

 private:
  Pty() = default;
  void close_all();

  int master_ = -1;
  int slave_ = -1;
  std::string slave_path_;
  std::string link_;
};

}  // namespace kotona::firmware_sim
