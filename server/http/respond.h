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
Response json_error(const Request& req, boost::beast::http::status status,
                    const std::string& why, Counters& counters);

// The query string of `target` ("/path?a=1&b=2"), limited to the `allowed` keys.
// Errors: kMalformed naming the problem (bad escape, repeated or unknown key).
[[nodiscard]] Result<std::map<std::string, std::string>> query_params(
    std::string_view target, std::initializer_list<std::string_view> allowed);

}  // namespace kotona::server::http
