// HashPool: password checks (PBKDF2, ~0.15-0.3 s each) on a few worker threads at a lower CPU
// priority, never on the io thread: a login flood used to stall every request behind it
// (issue 17). The queue is bounded; a caller over the bound is told so at once. verify() is
// called and resumes on the io thread; the workers touch nothing but their arguments.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <optional>
#include <string>

namespace kotona::server::http {

struct HashPoolOptions {
  int threads = 2;               // config `login_hash_threads`
  std::size_t max_pending = 64;  // config `login_queue_max`: checks queued or running
};

class HashPool {
 public:
  explicit HashPool(HashPoolOptions options = {});
  ~HashPool();  // waits for the check in progress, drops the queued ones
  HashPool(const HashPool&) = delete;
  HashPool& operator=(const HashPool&) = delete;

  // verify_password(password, encoded) on a worker, resuming the caller on its own executor.
  // nullopt when max_pending checks are already queued or running (the caller answers 503).
  // REQUIRES: called from one thread (the io thread).
  boost::asio::awaitable<std::optional<bool>> verify(std::string password, std::string encoded);
  std::size_t pending() const { return pending_; }

 private:
  HashPoolOptions options_;
  boost::asio::thread_pool pool_;
  std::size_t pending_ = 0;  // caller's thread only
};

}  // namespace kotona::server::http
