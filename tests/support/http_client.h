// A tiny blocking HTTP/1.1 client over loopback for tests: GET with a timeout, and an SSE
// reader that collects events. Deliberately independent of the server's own HTTP code.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace kotona::test {

struct HttpResponse {
  int status = 0;
  std::string headers;
  std::string body;
};

// GET http://127.0.0.1:port + target. nullopt on connection failure or timeout.
std::optional<HttpResponse> http_get(int port, const std::string& target,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(5));
// Any method with an optional JSON body.
std::optional<HttpResponse> http_request(int port, const std::string& method,
                                         const std::string& target, const std::string& body = "",
                                         std::chrono::milliseconds timeout = std::chrono::seconds(5));
// The raw answer to `request` (sent as is) from address:port, read until the server closes
// (send Connection: close) or 5 s pass; "" when nothing listens there. For tests that need
// another address than 127.0.0.1 (127.0.0.2 as a LAN) or byte-exact requests.
std::string raw_http(const std::string& address, int port, const std::string& request);
// Bearer token sent by every later request and stream of this process ("" for none): the
// server's API needs one (docs/security.md). http_login: POST /api/v1/login -> the token.
void set_bearer_token(std::string token);
std::optional<std::string> http_login(int port, const std::string& user,
                                      const std::string& password);
// Config lines for a test admin ("admin" / kTestPassword, cheap hash) on a server.
inline constexpr const char* kTestPassword = "test-only-password";
std::string test_admin_config();
// A `user = NAME ROLE TEAM HASH` line with kTestPassword (TEAM needs a `team = ...` line).
std::string test_user_config(const std::string& name, const std::string& role,
                             const std::string& team);

struct SseEvent {
  std::string id;
  std::string event;
  std::string data;
  // When the client parsed it (wall clock: the bench compares it with hub and server times).
  std::chrono::system_clock::time_point arrived{};
};

// One open SSE stream. Not thread-safe.
class SseClient {
 public:
  // Connects and sends the request; `last_event_id` adds the Last-Event-ID header.
  SseClient(int port, const std::string& target, std::optional<std::string> last_event_id = {});
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;
  bool connected() const { return fd_ >= 0; }
  // Reads until at least `count` events have arrived in total or `timeout` passes.
  const std::vector<SseEvent>& wait_for_events(std::size_t count, std::chrono::milliseconds timeout);
  const std::vector<SseEvent>& events() const { return events_; }

 private:
  void parse_buffer();
  int fd_ = -1;
  bool headers_done_ = false;
  bool chunked_ = false;
  std::string raw_;     // bytes as received
  std::string buffer_;  // event-stream text (chunk framing removed)
  std::vector<SseEvent> events_;
};

}  // namespace kotona::test
