#include "server/http/respond.h"

#include <algorithm>
#include <boost/json.hpp>

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
