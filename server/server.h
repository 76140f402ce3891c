// Server: the kotona-server process — store, HTTP feed, SSE hub and MQTT ingest on ONE
// io_context thread (STYLE.md §8). create() does everything that can fail at startup; run()
// blocks until SIGINT/SIGTERM, then stops cleanly. Not thread-safe: run() owns the thread.
#pragma once

#include <cstdint>
#include <memory>

#include "core/result.h"
#include "server/config.h"

namespace kotona::server {

class Server {
 public:
  // Opens the store, seeds enrolment and binds the HTTP port. Errors: kIo, kConfig.
  [[nodiscard]] static Result<std::unique_ptr<Server>> create(const ServerConfig& config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t http_port() const;
  // Logs "clinician feed at http://HOST:PORT/", starts ingest and runs until a signal.
  // Returns the process exit code (0 after a clean stop).
  int run();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kotona::server
