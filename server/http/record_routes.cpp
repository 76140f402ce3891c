#include "server/http/record_routes.h"

#include "core/log.h"
#include "server/http/respond.h"

namespace kotona::server::http {

namespace http = boost::beast::http;

Routed show_record(const Call& call) {
  auto& ctx = call.ctx;
  if (!ctx.record_status) {
    // Push off: said in a 200, so the admin page asks without a failed request in its console.
    return json_reply(call.req, http::status::ok, boost::json::object{{"enabled", false}},
                      ctx.counters);
  }
  auto status = ctx.record_status();
  if (!status) {
    ctx.counters.add("store_error");
    log_error("http", "record api: " + describe(status.error()));
    return json_error(call.req, http::status::internal_server_error, "store error", ctx.counters);
  }
  status->emplace("enabled", true);
  return json_reply(call.req, http::status::ok, *status, ctx.counters);
}

}  // namespace kotona::server::http
