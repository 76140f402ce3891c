#include "server/http/respond.h"

#include <algorithm>
#include <boost/json.hpp>

#include "core/log.h"
#include "server/http/api_json.h"
#include "server/store/json_text.h"

namespace kotona::server::http {

namespace http = boost::beast::http;

Response respond(const Request& req, http::status status, std::string body,
                 std::string_view content_type, Counters& counters) {
  counters.add("http_responses_" + std::to_string(static_cast<int>(status)));
  Response res{status, req.version()};
  res.set(http::field::server, "kotona-server");
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response json_reply(const Request& req, http::status status, const boost::json::value& body,
                    Counters& counters) {
  return respond(req, status, store::to_json_text(body), "application/json", counters);
}

Response json_error(const Request& req, http::status status, const std::string& why,
                    Counters& counters) {
  return respond(req, status, error_body(why), "application/json", counters);
}

Response method_not_allowed(const Request& req, const std::string& allow, Counters& counters) {
  auto res = json_error(req, http::status::method_not_allowed,
                        "only " + (allow == "GET, HEAD" ? std::string("GET") : allow), counters);
  res.set(http::field::allow, allow);
  return res;
}

std::string route_prefix(std::string_view path) {
  path = path.substr(0, path.find_first_of("?#"));
  std::size_t end = 0;
  for (int i = 0; i < 3 && end != std::string_view::npos; ++i) end = path.find('/', end + 1);
  return std::string(path.substr(0, end)) + (end == std::string_view::npos ? "" : "/...");
}

void log_hidden(const Call& call) {
  call.ctx.counters.add("http_hidden_outside_team");
  log_warn("http", "hidden (outside care team) " + std::string(call.req.method_string()) + " " +
                       route_prefix(call.path) + " user=" + call.who.user +
                       " role=" + std::string(to_string(call.who.role)));
}

Response hidden(const Call& call, const char* what) {
  log_hidden(call);
  return json_error(call.req, http::status::not_found, std::string("no such ") + what,
                    call.ctx.counters);
}

Response hidden_list(const Call& call) {
  log_hidden(call);
  return respond(call.req, http::status::ok, "[]", "application/json", call.ctx.counters);
}

Result<std::map<std::string, std::string>> query_params(
    std::string_view target, std::initializer_list<std::string_view> allowed) {
  auto q = target.find('?');
  auto parsed = parse_query(q == std::string_view::npos ? "" : target.substr(q + 1));
  if (!parsed) return parsed;
  for (const auto& [key, value] : *parsed) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return fail(Errc::kMalformed, "unknown query parameter '" + key + "'");
    }
  }
  return parsed;
}

}  // namespace kotona::server::http
