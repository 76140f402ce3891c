// Test helpers for cross-component tests: a child process with its output in a log file, a
// temporary directory, and a free loopback port. Not thread-safe; one test thread owns them.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kotona::test {

// A directory under $TMPDIR removed with its contents on destruction (kept when
// KOTONA_KEEP_TEMP is set, for post-mortems).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A loopback TCP port that was free a moment ago, below the kernel's ephemeral range (so no
// outgoing connection takes it before the test binds it).
int free_port();

// Waits until something accepts TCP connections on 127.0.0.1:port. False on timeout.
bool wait_for_port(int port, std::chrono::milliseconds timeout);

// A child process started with posix_spawn; stdout and stderr both go to `log_path`.
// Destruction sends SIGKILL if it still runs, and reaps it.
class Child {
 public:
  Child(std::vector<std::string> argv, std::filesystem::path log_path);
  ~Child();
  Child(Child&& other) noexcept;
  Child& operator=(Child&&) = delete;
  Child(const Child&) = delete;

  bool running();
  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Sends SIGTERM and waits up to `timeout`; then SIGKILL. Returns the exit status (or -signal).
  int stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void kill9();
  // Waits until the log contains `needle` (after byte `from`). Returns the full line or nullopt.
  std::optional<std::string> wait_for_log(const std::string& needle,
                                          std::chrono::milliseconds timeout,
                                          std::size_t from = 0);
  std::string log_text() const;
  const std::filesystem::path& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path log_path_;
  std::vector<std::string> argv_;
};

// Path of a binary built by this tree, e.g. bin("server/kotona-server"), unless the environment
// names another (KOTONA_TEST_BIN_KOTONA_SERVER: the name upper-cased, - as _).
std::string bin(const std::string& relative);

// Polls `predicate` every 50 ms until true or `timeout`. Returns the last value.
template <typename F>
bool eventually(F&& predicate, std::chrono::milliseconds timeout);

}  // namespace kotona::test

#include "tests/support/process_inl.h"
