#include "firmware-sim/pty.h"

#include <fcntl.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace kotona::firmware_sim {

namespace {
Unexpected io_error(const std::string& what) {
  return fail(Errc::kIo, what + ": " + std::strerror(errno));
}
}  // namespace

Result<Pty> Pty::open(const std::string& link) {
  Pty pty;
  pty.master_ = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (pty.master_ < 0) return io_error("posix_openpt");
  if (::grantpt(pty.master_) != 0) return io_error("grantpt");
  if (::unlockpt(pty.master_) != 0) return io_error("unlockpt");
  const char* name = ::ptsname(pty.master_);
  if (name == nullptr) return io_error("ptsname");
  pty.slave_path_ = name;
  pty.slave_ = ::open(name, O_RDWR | O_NOCTTY);
  if (pty.slave_ < 0) return io_error("open " + pty.slave_path_);
  termios tio{};
  if (::tcgetattr(pty.slave_, &tio) != 0) return io_error("tcgetattr");
  ::cfmakeraw(&tio);
  if (::tcsetattr(pty.slave_, TCSANOW, &tio) != 0) return io_error("tcsetattr");
  const int flags = ::fcntl(pty.master_, F_GETFL);
  if (flags < 0 || ::fcntl(pty.master_, F_SETFL, flags | O_NONBLOCK) != 0) {
    return io_error("fcntl O_NONBLOCK");
  }
  if (!link.empty()) {
    ::unlink(link.c_str());  // a stale link from an earlier run
    if (::symlink(pty.slave_path_.c_str(), link.c_str()) != 0) return io_error("symlink " + link);
    pty.link_ = link;
  }
  return pty;
}

Pty::Pty(Pty&& other) noexcept { *this = std::move(other); }

Pty& Pty::operator=(Pty&& other) noexcept {
  if (this != &other) {
    close_all();
    master_ = std::exchange(other.master_, -1);
    slave_ = std::exchange(other.slave_, -1);
    slave_path_ = std::move(other.slave_path_);
    link_ = std::exchange(other.link_, {});
  }
  return *this;
}

Pty::~Pty() { close_all(); }

void Pty::discard_unread() {
  if (slave_ >= 0) ::tcflush(slave_, TCIFLUSH);
}

void Pty::close_all() {
  if (!link_.empty()) ::unlink(link_.c_str());
  link_.clear();
  if (master_ >= 0) ::close(master_);
  if (slave_ >= 0) ::close(slave_);
  master_ = slave_ = -1;
}

}  // namespace kotona::firmware_sim
