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

struct SseEvent {
  std::string id;
  std::string event;
  std::string data;
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
