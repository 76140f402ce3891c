// Building API responses and reading query strings: the pieces every route file shares
// (routes.cpp, alert_routes.cpp, enrolment_routes.cpp, ...). Pure apart from the counter;
// runs on the io thread.
#pragma once

#include <boost/beast/http/status.hpp>
#include <boost/json/value.hpp>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>

#include "core/counters.h"
#include "core/result.h"
#include "server/http/route_table.h"
#include "server/http/routes.h"

namespace kotona::server::http {

// A complete response: counted as http_responses_NNN, Cache-Control no-store, keep-alive as
// the request asked, Server kotona-server.
Response respond(const Request& req, boost::beast::http::status status, std::string body,
                 std::string_view content_type, Counters& counters);
// `body` as JSON (application/json).
Response json_reply(const Request& req, boost::beast::http::status status,
                    const boost::json::value& body, Counters& counters);
// {"error": why}. `why` must never carry health data or a henkilötunnus.
Response json_error(const Request& req, boost::beast::http::status status, const std::string& why,
                    Counters& counters);

// 405 naming the path's methods ("only GET" for a GET/HEAD path), with Allow: `allow`.
Response method_not_allowed(const Request& req, const std::string& allow, Counters& counters);

// The first three path segments ("/api/v1/fhir/..."): enough to tell the route, never an id.
std::string route_prefix(std::string_view path);
// A resource outside the caller's care teams answers as if it did not exist (issue 17: a 403
// told an attacker which alert ids, patients and enrolments exist). Logged and counted as
// hidden (http_hidden_outside_team), without the id.
void log_hidden(const Call& call);
// 404 "no such <what>", the same answer as for an id that does not exist.
Response hidden(const Call& call, const char* what);
// An empty list, the same answer as for a patient that does not exist.
Response hidden_list(const Call& call);

// The query string of `target` ("/path?a=1&b=2"), limited to the `allowed` keys.
// Errors: kMalformed naming the problem (bad escape, repeated or unknown key).
[[nodiscard]] Result<std::map<std::string, std::string>> query_params(
    std::string_view target, std::initializer_list<std::string_view> allowed);

}  // namespace kotona::server::http
