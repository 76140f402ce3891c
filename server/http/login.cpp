#include "server/http/login.h"

#include <boost/json.hpp>

#include "core/log.h"
#include "server/http/respond.h"
#include "server/store/json_text.h"

namespace kotona::server::http {

namespace http = boost::beast::http;
namespace json = boost::json;

Routed login_route(const Request& req, RouteContext& ctx) {
  if (req.method() != http::verb::post) {
    auto res = json_error(req, http::status::method_not_allowed, "only POST", ctx.counters);
    res.set(http::field::allow, "POST");
    return res;
  }
  boost::system::error_code ec;
  auto body = json::parse(req.body(), ec);
  const json::object* o = !ec ? body.if_object() : nullptr;
  const json::string* user = o && o->if_contains("user") ? o->at("user").if_string() : nullptr;
  const json::string* pass =
      o && o->if_contains("password") ? o->at("password").if_string() : nullptr;
  if (!user || !pass) {
    return json_error(req, http::status::bad_request,
                      "body must be {\"user\": ..., \"password\": ...}", ctx.counters);
  }
  return LoginGrant{std::string(*user), std::string(*pass)};
}

namespace {

Response issued_response(const Request& req, const Issued& issued, Counters& counters) {
  counters.add("http_logins");
  log_info("http", "login user=" + issued.principal.user);
  json::object out{{"token", issued.token},
                   {"expires_at_unix_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                              issued.expires.time_since_epoch())
                                              .count()},
                   {"user", issued.principal.user},
                   {"role", std::string(to_string(issued.principal.role))}};
  return respond(req, http::status::ok, store::to_json_text(out), "application/json", counters);
}

}  // namespace

boost::asio::awaitable<Response> serve_login(const Request& req, LoginGrant grant,
                                             RouteContext& ctx, HashPool& pool) {
  auto attempt = ctx.auth.begin_login(grant.user);
  bool ok = false;
  if (!attempt.refused) {
    auto checked = co_await pool.verify(std::move(grant.password), attempt.hash);
    if (!checked) {
      ctx.counters.add("http_login_busy");
      log_warn("http", "refused 503 POST /api/v1/login: password checks queue full");
      auto res = json_error(req, http::status::service_unavailable,
                            "too many sign-ins in progress; try again", ctx.counters);
      res.set(http::field::retry_after, "1");
      co_return res;
    }
    ok = *checked;
  }
  // The verdict is applied after the await: the token map and failure counts stay io-only.
  auto issued = ctx.auth.complete_login(attempt, ok);
  if (issued) co_return issued_response(req, *issued, ctx.counters);
  ctx.counters.add("http_login_failed");
  log_warn("http", "denied 401 POST /api/v1/login (bad credentials or locked)");
  co_return json_error(req, http::status::unauthorized, "bad user or password", ctx.counters);
}

}  // namespace kotona::server::http
