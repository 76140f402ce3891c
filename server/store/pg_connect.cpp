#include "server/store/pg_connect.h"

#include <system_error>
#include <thread>
#include <utility>

namespace kotona::server::store {

namespace {

void ignore_notice(void*, const char*) {}

std::string trimmed(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

}  // namespace

PGconn* connect_session(const std::string& uri, std::string* error) {
  // Before "dbname" (the URI, expanded): the URI's own connect_timeout overrides it.
  const char* keys[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {kConnectTimeoutS, uri.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    if (error) *error = trimmed(conn ? PQerrorMessage(conn) : "out of memory");
    PQfinish(conn);
    return nullptr;
  }
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);  // "relation already exists, skipping"
  // Durable commits (the default, stated so that a server setting cannot weaken the ack):
  // the application ack follows COMMIT only once the WAL is flushed.
  PGresult* r = PQexec(conn, "SET synchronous_commit = on");
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok && error) *error = trimmed(PQresultErrorMessage(r));
  PQclear(r);
  if (ok) return conn;
  PQfinish(conn);
  return nullptr;
}

ConnectAttempt::ConnectAttempt(const std::string& uri) : state_(std::make_shared<State>()) {
  try {
    std::thread([state = state_, uri] {
      PGconn* conn = connect_session(uri, nullptr);
      std::lock_guard lock(state->mutex);
      if (state->abandoned) {
        PQfinish(conn);
        return;
      }
      state->conn = conn;
      state->done = true;
    }).detach();
  } catch (const std::system_error&) {
    state_->done = true;  // no thread: a failed attempt, tried again after the backoff
  }
}

ConnectAttempt::~ConnectAttempt() {
  std::lock_guard lock(state_->mutex);
  state_->abandoned = true;
  PQfinish(state_->conn);  // nullptr when none was made or it was taken
  state_->conn = nullptr;
}

std::optional<PGconn*> ConnectAttempt::take() {
  std::lock_guard lock(state_->mutex);
  if (!state_->done) return std::nullopt;
  return std::exchange(state_->conn, nullptr);
}

}  // namespace kotona::server::store
