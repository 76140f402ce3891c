// POST /api/v1/login, in two steps so the password check never runs on the io thread (issue
// 17): dispatch() parses the body into a LoginGrant (login_route), the connection's coroutine
// then awaits serve_login(), which checks the password on the HashPool and answers. io
// thread only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "server/http/hash_pool.h"
#include "server/http/routes.h"

namespace kotona::server::http {

// The request (a 400/405 for a malformed one) as a LoginGrant for serve_login().
Routed login_route(const Request& request, RouteContext& context);

// 200 {token, expires_at_unix_ms, user, role}; 401 "bad user or password" for an unknown
// user, a wrong password or a refused attempt alike; 503 + Retry-After when the pool is full.
// Counted: http_logins, http_login_failed, http_login_busy.
boost::asio::awaitable<Response> serve_login(const Request& request, LoginGrant grant,
                                             RouteContext& context, HashPool& pool);

}  // namespace kotona::server::http
