// Request routing for HttpServer: one synchronous function from a parsed request to its
// response (everything but the SSE stream itself). Runs on the io thread; not thread-safe.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/counters.h"
#include "server/http/sse_hub.h"
#include "server/store/store.h"

namespace kotona::server::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

inline constexpr std::string_view kStreamPath = "/api/v1/stream";

// "a=1&b=x%2Fy" -> {a: 1, b: x/y}. Errors: kMalformed (bad escape, repeated key).
[[nodiscard]] Result<std::map<std::string, std::string>> parse_query(std::string_view query);

struct StreamRequest {
  std::optional<std::int64_t> last_event_id;  // replay alerts with event_id > this
};
// A well-formed GET of the stream (Last-Event-ID header or ?last_event_id=N), else nullopt
// (handle_request() then answers 400 or 405).
std::optional<StreamRequest> as_stream_request(const Request& request);

// The response to every request except a valid stream GET; counts each status.
// Alert actions publish their change to `hub`.
Response handle_request(const Request& request, store::Store& store, Counters& counters,
                        SseHub& hub);

}  // namespace kotona::server::http
