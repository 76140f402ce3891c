// HttpServer: the clinician-facing HTTP/1.1 server (Boost.Beast, C++20 coroutines) on the
// server's io_context: feed page, health, metrics, JSON API and the SSE alert stream
// (docs/contracts.md). Every request passes routes.cpp's dispatch() (authentication and
// authorisation, docs/security.md). Every read and write has a timeout. io thread only; Beast and Asio
// exceptions are caught inside.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/counters.h"
#include "core/result.h"
#include "server/http/auth.h"
#include "server/http/client_address.h"
#include "server/http/hash_pool.h"
#include "server/http/health.h"
#include "server/http/request_guard.h"
#include "server/http/sse_hub.h"
#include "server/store/store.h"

namespace kotona::server::http {

struct HttpOptions {
  std::chrono::milliseconds read_timeout{30000};
  std::chrono::milliseconds write_timeout{10000};
  std::chrono::milliseconds keepalive_interval{15000};  // SSE ": keepalive" comments
  const Health* health = nullptr;  // GET /healthz/ready; outlives the server
  // Host names the API answers to (request_guard.h); the reverse proxy's public name goes here.
  std::vector<std::string> public_names = default_public_names();
  // Reverse proxies whose X-Forwarded-For is believed (client_address.h); empty: none.
  TrustedProxies trusted_proxies;
  HashPoolOptions login_hashing;  // password checks off the io thread (hash_pool.h)
  // Caps (issue 17): over them the answer is 503 + Retry-After, never a silent hang-up.
  std::size_t max_connections = 512;      // open connections, streams included
  std::size_t max_streams = 256;          // SSE streams in total
  std::size_t max_streams_per_user = 8;   // SSE streams of one user
  // GET /api/v1/record (admins): the record push's state (server/record); empty: not configured.
  std::function<Result<boost::json::object>()> record_status;
  // The gateway.silent limit: the patient overview calls a hub heard within it online.
  std::chrono::seconds gateway_silent_after{300};
  // GET /metrics: the record push's gauges (outbox depth and age); empty: not configured.
  std::function<Result<std::map<std::string, std::uint64_t>>()> record_gauges;
};

class HttpServer {
 public:
  // REQUIRES: all references outlive this object.
  HttpServer(boost::asio::io_context& io, store::Store& store, Counters& counters, SseHub& hub,
             Auth& auth, HttpOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds HOST:PORT (port 0 picks a free one) and returns the bound port.
  // Errors: kConfig for an unparsable host, kIo when the bind or listen fails.
  [[nodiscard]] Result<std::uint16_t> listen(const std::string& host, std::uint16_t port);
  // Starts accepting. REQUIRES: listen() succeeded.
  void start();
  // Stops accepting and closes every open connection, SSE streams included.
  void stop();
  // Connections still open (after stop(): those still unwinding).
  std::size_t open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "HOST:PORT". Errors: kConfig naming the value.
[[nodiscard]] Result<std::pair<std::string, std::uint16_t>> parse_listen(const std::string& text);

}  // namespace kotona::server::http
