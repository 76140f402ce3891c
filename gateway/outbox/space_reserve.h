// SpaceReserve: a pre-allocated file next to the outbox that holds filesystem space back for
// delivery. When the disk is full, deleting acked rows still needs room (SQLite writes the
// delete to its WAL, and a checkpoint may grow the database file): releasing the reserve gives
// that room back (issue 22). Not thread-safe: one owner (the Outbox).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace kotona::gateway {

class SpaceReserve {
 public:
  // `path`: the reserve file; `bytes`: its size (0: no reserve).
  SpaceReserve(std::string path, std::uint64_t bytes);
  // True when the file is there at full size.
  bool in_place() const { return in_place_; }
  std::uint64_t bytes() const { return bytes_; }
  // Creates the file when it is not in place and the filesystem has room for it with
  // `bytes` to spare. True when it is in place afterwards.
  bool restore();
  // Deletes the file, returning its space to the filesystem. True when space was freed.
  bool release();

 private:
  std::string path_;
  std::uint64_t bytes_;
  bool in_place_ = false;
};

// Bytes an unprivileged writer may still use on the filesystem holding `path` (statvfs
// f_bavail * f_frsize); nullopt when statvfs fails.
std::optional<std::uint64_t> filesystem_free_bytes(const std::string& path);

}  // namespace kotona::gateway
