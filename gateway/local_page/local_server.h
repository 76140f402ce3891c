// LocalServer: the hub's own small HTTP/1.1 server (Boost.Beast) for its local page — status
// in the patient's language, setup (enrolment), manual entry, BLE pairing. Routes are
// registered by the features (add_route); listeners are named so the LAN setup listener can be
// closed after setup while loopback stays. One coroutine per connection on the hub's
// io_context; not thread-safe (STYLE.md §8).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/counters.h"
#include "core/result.h"
#include "gateway/local_page/catalogue.h"

namespace kotona::gateway::local_page {

struct LocalRequest {
  std::string method;                        // "GET", "POST"
  std::string path;                          // without the query
  std::map<std::string, std::string> query;  // decoded ?a=b
  std::map<std::string, std::string> form;   // decoded x-www-form-urlencoded POST body
  Lang lang = Lang::kFi;                     // ?lang=, else Accept-Language, else fi
  std::string listener;                      // the name of the listener it came in on
};

struct LocalResponse {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. {"Location", "/"}
};

// A handler runs on the io thread and must not block (no network or disk waits: start the
// work and answer with a page that refreshes, see enrolment).
using LocalHandler = std::function<LocalResponse(const LocalRequest&)>;

// 303 See Other to `location` (after a POST).
LocalResponse redirect(std::string location);
// `status` with the page frame around catalogue text `key` (404, 400, ...).
LocalResponse text_page(const LocalRequest& req, int status, std::string_view key);

struct LocalServerOptions {
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds write_timeout{10000};
  std::size_t max_connections = 16;
  std::uint32_t body_limit = 16 * 1024;
};

class LocalServer {
 public:
  LocalServer(boost::asio::io_context& io, Counters& counters, LocalServerOptions options = {});
  ~LocalServer();
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  // Registers `handler` for exactly `method` + `path` (no patterns). A later registration of
  // the same pair replaces the earlier. GET also answers HEAD.
  void add_route(std::string method, std::string path, LocalHandler handler);

  // Listens on `address`:`port` (port 0: any) under `name` ("loopback", "setup").
  // Returns the bound port. Errors: kIo (cannot bind), kConfig (bad address or name in use).
  [[nodiscard]] Result<std::uint16_t> listen(const std::string& name, const std::string& address,
                                             std::uint16_t port);
  // Closes listener `name` and every connection that came in on it. No-op if not open.
  void close_listener(const std::string& name);
  bool is_listening(const std::string& name) const;

  // Closes every listener and connection.
  void stop();

  // Answers one request without the network (for tests and for the page's own composition).
  LocalResponse handle_for_test(const LocalRequest& req) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with its coroutines (see local_server.cpp)
};

}  // namespace kotona::gateway::local_page
