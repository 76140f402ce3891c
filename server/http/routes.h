// Request routing for HttpServer: dispatch() is the ONE entry point for every request. It
// matches the request against the route table (route_table.h), authenticates (bearer token)
// and authorises from the row's requirement before any handler runs; everything not public
// needs a live token, unknown paths included. A handler naming a patient (alert, reading...)
// MUST also check Principal::may_see. Denials are logged without health data (route prefix,
// status, user; never a patient id or query string). Runs on the io thread; not thread-safe.
#pragma once

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "core/counters.h"
#include "server/http/auth.h"
#include "server/http/health.h"
#include "server/http/sse_hub.h"
#include "server/store/store.h"

namespace kotona::server::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

inline constexpr std::string_view kStreamPath = "/api/v1/stream";
inline constexpr std::string_view kLoginPath = "/api/v1/login";

// "a=1&b=x%2Fy" -> {a: 1, b: x/y}. Errors: kMalformed (bad escape, repeated key).
[[nodiscard]] Result<std::map<std::string, std::string>> parse_query(std::string_view query);

struct StreamRequest {
  std::optional<std::int64_t> last_event_id;  // replay alerts with event_id > this
};
// A well-formed GET of the stream (Last-Event-ID header or ?last_event_id=N), else nullopt
// (open_stream() then answers 400).
std::optional<StreamRequest> as_stream_request(const Request& request);

struct RouteContext {
  store::Store& store;
  Counters& counters;
  SseHub& hub;  // alert actions publish their change
  Auth& auth;
  const Health* health = nullptr;  // readiness; nullptr: never ready (not wired)
  // Host names requests may name (request_guard.h); nullptr: default_public_names().
  const std::vector<std::string>* public_names = nullptr;
  // The client's address (client_address.h): the login throttle's key and the address a
  // token is bound to.
  std::string client = "127.0.0.1";
  // GET /api/v1/record (issue 19): the push to the record system's outbox and dead letters;
  // empty when no record_endpoint is configured (404).
  std::function<Result<boost::json::object>()> record_status = nullptr;
  // A hub heard from within this long is online (the gateway.silent limit; patient overview).
  std::chrono::seconds gateway_silent_after{300};
  // GET /metrics: the record push's gauges (record_outbox_pending,
  // record_outbox_oldest_age_seconds); empty when no record_endpoint is configured.
  std::function<Result<std::map<std::string, std::uint64_t>>()> record_gauges = nullptr;
};

// A stream the caller may open: its request, who asked, and the token (with the client's
// address) to re-check while open.
struct StreamGrant {
  StreamRequest request;
  Principal principal;
  std::string token;
  std::string client;
};

// A response whose body is produced piece by piece while it is written (the FHIR export,
// issue 15: never held whole in memory): `head` carries every header and the Content-Length;
// next() appends the next piece and returns false once the body is complete.
struct StreamedResponse {
  boost::beast::http::response<boost::beast::http::empty_body> head;
  std::function<bool(std::string& piece)> next;
};

// A well-formed login, answered by serve_login() (login.h) once the password is checked off
// the io thread.
struct LoginGrant {
  std::string user;
  std::string password;
  std::string address;  // the client's (RouteContext::client): throttle key, token binding
};

using Routed = std::variant<Response, StreamGrant, StreamedResponse, LoginGrant>;

// Every request goes through here: a response (whole or streamed), a granted SSE stream, or
// a login to check.
// Counts each status.
Routed dispatch(const Request& request, RouteContext& context);

// "Authorization: Bearer TOKEN" -> TOKEN; empty when absent or another scheme.
std::string bearer_token(const Request& request);

}  // namespace kotona::server::http
