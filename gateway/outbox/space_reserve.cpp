#include "gateway/outbox/space_reserve.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <filesystem>

namespace kotona::gateway {

SpaceReserve::SpaceReserve(std::string path, std::uint64_t bytes)
    : path_(std::move(path)), bytes_(bytes) {
  struct stat st {};
  in_place_ = bytes_ > 0 && ::stat(path_.c_str(), &st) == 0 &&
              static_cast<std::uint64_t>(st.st_blocks) * 512 >= bytes_;
}

bool SpaceReserve::restore() {
  if (in_place_ || bytes_ == 0) return in_place_;
  auto free_bytes = filesystem_free_bytes(path_);
  if (!free_bytes || *free_bytes < 2 * bytes_) return false;
  // Written under a temporary name and renamed: a reserve file is either whole or absent.
  const std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  // posix_fallocate really allocates the blocks (a sparse file would hold nothing back).
  bool ok = ::posix_fallocate(fd, 0, static_cast<off_t>(bytes_)) == 0 && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path_.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return false;
  }
  in_place_ = true;
  return true;
}

bool SpaceReserve::release() {
  if (bytes_ == 0) return false;
  bool was_there = ::unlink(path_.c_str()) == 0;
  in_place_ = false;
  return was_there;
}

std::optional<std::uint64_t> filesystem_free_bytes(const std::string& path) {
  auto dir = std::filesystem::path(path).parent_path();
  struct statvfs vfs {};
  if (::statvfs(dir.empty() ? "." : dir.c_str(), &vfs) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
}

}  // namespace kotona::gateway
