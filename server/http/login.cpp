#include "server/http/login.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
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
  return LoginGrant{std::string(*user), std::string(*pass), ctx.client};
}

namespace {

// Sign-ins are failing in bulk: the store raises security.login_attack (technical_alerts.h).
void raise_attack_alert(RouteContext& ctx) {
  const auto& e = ctx.auth.throttle().episode();
  const auto wall = std::chrono::time_point_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now() - (std::chrono::steady_clock::now() - e.started));
  auto stored = ctx.store.technical_alerts().login_attack(e.failures, wall);
  if (!stored) {
    ctx.counters.add("store_error");
    log_error("http", "security.login_attack not stored: " + describe(stored.error()));
    return;
  }
  for (const auto& a : *stored) {
    ctx.counters.add("technical_alerts_raised");
    log_warn("http", "technical alert " + a.rule_id + " (system): " + a.message);
  }
  if (!stored->empty()) ctx.hub.publish(*stored);
}

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

// A failed sign-in in the audit chain (issue 17): subject `user/NAME` (`user/(unknown)` for a
// name that does not exist, as in the log: a password typed as a name is never kept), the
// source address and the failure count. Known and unknown names write alike (no timing
// oracle); at most one row per password check, so the hash pool bounds the rate.
void audit_failure(const Auth::Attempt& attempt, const Auth::Verdict& verdict, RouteContext& ctx) {
  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  store::AuditRow row{0,
                      now,
                      "anonymous",
                      "login.failed",
                      AlertId{"user/" + (attempt.known ? attempt.user : "(unknown)")},
                      "from=" + attempt.address + " failures=" + std::to_string(verdict.failures) +
                          " delayed_ms=" + std::to_string(attempt.delay.count()),
                      {},
                      {}};
  if (auto r = ctx.store.audit_log().record(row); !r) {
    ctx.counters.add("store_error");
    log_error("http", "failed sign-in not audited: " + describe(r.error()));
  }
}

// A wrong password, an unknown user and a throttled attempt: counted, logged (the audit trail
// of sign-ins: no password, the name only when it exists), and one answer for all.
Response refused(const Request& req, const Auth::Attempt& attempt, const Auth::Verdict& verdict,
                 RouteContext& ctx) {
  ctx.counters.add("http_login_failed");
  // Every failure up to the throttle, then each power of two: a flood cannot flood the log.
  const int n = verdict.failures;
  if (n <= 16 || (n & (n - 1)) == 0) {
    log_warn("http", "login failed user=" + (attempt.known ? attempt.user : "(unknown)") +
                         " from=" + attempt.address + " failures=" + std::to_string(n) +
                         " delayed_ms=" + std::to_string(attempt.delay.count()));
  }
  audit_failure(attempt, verdict, ctx);
  if (verdict.attack_started) raise_attack_alert(ctx);
  return json_error(req, http::status::unauthorized, "bad user or password", ctx.counters);
}

Response busy(const Request& req, const char* why, RouteContext& ctx) {
  ctx.counters.add("http_login_busy");
  log_warn("http", std::string("refused 503 POST /api/v1/login: ") + why);
  auto res = json_error(req, http::status::service_unavailable,
                        "too many sign-ins in progress; try again", ctx.counters);
  res.set(http::field::retry_after, "1");
  return res;
}

}  // namespace

boost::asio::awaitable<Response> serve_login(const Request& req, LoginGrant grant,
                                             RouteContext& ctx, HashPool& pool) {
  auto attempt = ctx.auth.begin_login(grant.user, grant.address);
  if (!attempt.admitted) co_return busy(req, "too many from one address", ctx);
  if (attempt.delay.count() > 0) {
    // Served before the check: a throttled guess costs the guesser time, the server nothing.
    ctx.counters.add("http_login_throttled");
    boost::asio::steady_timer wait(co_await boost::asio::this_coro::executor, attempt.delay);
    co_await wait.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  auto checked = co_await pool.verify(std::move(grant.password), attempt.hash);
  if (!checked) {
    ctx.auth.abandon_login(attempt);
    co_return busy(req, "password checks queue full", ctx);
  }
  // The verdict is applied after the await: the token map and failure counts stay io-only.
  auto verdict = ctx.auth.complete_login(attempt, *checked);
  if (verdict.issued) co_return issued_response(req, *verdict.issued, ctx.counters);
  co_return refused(req, attempt, verdict, ctx);
}

}  // namespace kotona::server::http
