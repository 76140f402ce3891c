#include "server/http/hash_pool.h"

#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "server/http/auth.h"

namespace kotona::server::http {

namespace asio = boost::asio;

namespace {

// Hashing yields the CPU to the io thread (nice +10 for this thread only: Linux applies
// setpriority(PRIO_PROCESS, tid) per thread), so a flood slows logins, not the feed.
void lower_priority_once() {
  thread_local bool done = false;
  if (done) return;
  done = true;
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
}

// A plain coroutine, not a capturing lambda: GCC 12 frees a coroutine lambda's moved-in
// captures twice (seen under ASan), the parameters of a function coroutine are safe.
asio::awaitable<bool> check(std::string password, std::string encoded) {
  lower_priority_once();
  co_return verify_password(password, encoded);
}

}  // namespace

HashPool::HashPool(HashPoolOptions options)
    : options_(options), pool_(static_cast<std::size_t>(std::max(1, options.threads))) {}

HashPool::~HashPool() {
  pool_.stop();
  pool_.join();
}

asio::awaitable<std::optional<bool>> HashPool::verify(std::string password, std::string encoded) {
  if (pending_ >= options_.max_pending) co_return std::nullopt;
  ++pending_;
  struct Release {
    std::size_t& n;
    ~Release() { --n; }
  } release{pending_};
  // co_spawn runs the check on a worker and completes on the caller's executor: the io thread
  // resumes here.
  bool ok = co_await asio::co_spawn(pool_, check(std::move(password), std::move(encoded)),
                                    asio::use_awaitable);
  co_return ok;
}

}  // namespace kotona::server::http
