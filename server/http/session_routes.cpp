#include "server/http/session_routes.h"

#include "core/log.h"
#include "server/http/api_json.h"
#include "server/http/login.h"
#include "server/http/respond.h"

namespace kotona::server::http {

namespace http = boost::beast::http;

Routed serve_health(const Call& call) {
  return health_response(call.req, call.path, call.ctx.health, call.ctx.counters);
}

Routed serve_login_request(const Call& call) { return login_route(call.req, call.ctx); }

Routed logout(const Call& call) {
  call.ctx.auth.logout(std::string(call.token));
  return respond(call.req, http::status::ok, "{}", "application/json", call.ctx.counters);
}

Routed logout_user(const Call& call) {
  // An admin signs a user out everywhere (issue 17: a stolen or leaked token ends now).
  auto name = std::string(call.args.at(0));
  auto ended = call.ctx.auth.logout_user(name);
  log_info("http", "user=" + call.who.user + " signed out user=" + name + " everywhere (" +
                       std::to_string(ended) + " tokens)");
  return respond(call.req, http::status::ok, "{\"ended\":" + std::to_string(ended) + "}",
                 "application/json", call.ctx.counters);
}

Routed metrics(const Call& call) {
  // sse_clients goes up and down: a gauge (a counter must never decrease).
  auto gauges = health_gauges(call.ctx.health);
  gauges["sse_clients"] = call.ctx.hub.size();
  if (call.ctx.record_gauges) {  // the record outbox's depth (issue 19); absent if unreadable
    if (auto record = call.ctx.record_gauges()) {
      gauges.insert(record->begin(), record->end());
    } else {
      call.ctx.counters.add("store_error");
    }
  }
  auto text = prometheus_text(call.ctx.counters.snapshot(), gauges);
  return respond(call.req, http::status::ok, text, "text/plain; version=0.0.4", call.ctx.counters);
}

Routed open_stream(const Call& call) {
  auto stream = as_stream_request(call.req);
  if (!stream) {
    return json_error(call.req, http::status::bad_request, "bad query or Last-Event-ID",
                      call.ctx.counters);
  }
  return StreamGrant{*stream, call.who, std::string(call.token), call.ctx.client};
}

}  // namespace kotona::server::http
