// Connecting to PostgreSQL for the server store (postgres.cpp): one session with the store's
// settings, and a reconnect attempt that runs on a thread of its own so the io thread never
// waits for a server that does not answer (issue 22). Internal to server/store.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace kotona::server::store {

// A libpq session as the store wants it (synchronous_commit on, notices ignored), or nullptr
// with the reason in `error` (when given). Blocks until the server answers, at most libpq's
// connect_timeout: kConnectTimeoutS unless the URI sets one (libpq has none by default, and a
// host that takes the TCP handshake but never answers held the call forever).
PGconn* connect_session(const std::string& uri, std::string* error);
inline constexpr const char* kConnectTimeoutS = "5";

// One reconnect attempt on a thread of its own. The io thread only looks at the outcome
// (take()); the session, once handed over, is used on the io thread alone. Destroying an
// attempt that still runs abandons it: its thread finishes alone and frees what it made.
class ConnectAttempt {
 public:
  explicit ConnectAttempt(const std::string& uri);
  ~ConnectAttempt();
  ConnectAttempt(const ConnectAttempt&) = delete;
  ConnectAttempt& operator=(const ConnectAttempt&) = delete;

  // nullopt while the attempt runs; then the session (the caller owns it) or nullptr (failed).
  std::optional<PGconn*> take();

 private:
  struct State {
    std::mutex mutex;
    bool done = false;
    bool abandoned = false;
    PGconn* conn = nullptr;
  };
  // shared_ptr: the other owner is the attempt's thread, which may outlive this object.
  std::shared_ptr<State> state_;
};

}  // namespace kotona::server::store
