#include "server/http/web_routes.h"

#include <boost/functional/hash.hpp>

#include "core/kinds.h"
#include "server/http/respond.h"
#include "server/web/assets.h"

namespace kotona::server::http {

namespace http = boost::beast::http;

namespace {

// The page holds a bearer token: no framing, no foreign or inline scripts and styles (every
// script and style is a file of server/web/), no plugins, no referrer, no form posts.
constexpr const char* kPagePolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'";

void secure(Response& res) {
  res.set("Content-Security-Policy", kPagePolicy);
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Content-Type-Options", "nosniff");
}

// `body` with the page headers. The files are revalidated on every load (no-cache + ETag: a
// new server build is picked up at once, an unchanged file costs a 304); the document itself
// stays no-store like every API answer.
Response page_file(const Call& call, std::string body, std::string_view type,
                   std::string_view etag) {
  if (!etag.empty() && call.req[http::field::if_none_match] == etag) {
    auto res = respond(call.req, http::status::not_modified, "", type, call.ctx.counters);
    res.set(http::field::etag, etag);
    res.set(http::field::cache_control, "no-cache");
    secure(res);
    return res;
  }
  auto res = respond(call.req, http::status::ok, std::move(body), type, call.ctx.counters);
  if (!etag.empty()) {
    res.set(http::field::etag, etag);
    res.set(http::field::cache_control, "no-cache");
  }
  secure(res);
  return res;
}

}  // namespace

std::string kinds_module() {
  std::string series = "export const series = {", hi_lo = "export const hiLo = {";
  for (const auto& row : kind_table()) {
    std::string keys;
    for (const auto& c : row.components) {
      if (c.trend) keys += (keys.empty() ? "\"" : ", \"") + std::string(c.key) + "\"";
    }
    if (keys.empty()) continue;
    series += std::string(row.name) + ": [" + keys + "], ";
    hi_lo += std::string(row.name) + ": " + (row.shows_hi_lo ? "true" : "false") + ", ";
  }
  return series + "};\n" + hi_lo + "};\n";
}

Routed serve_page(const Call& call) {
  const auto* index = web::find_web_asset("index.html");
  if (index == nullptr)
    return json_error(call.req, http::status::not_found, "no page", call.ctx.counters);
  return page_file(call, std::string(index->body), index->content_type, "");
}

Routed serve_asset(const Call& call) {
  constexpr std::string_view kPrefix = "/web/";
  auto path = std::string_view(call.path).substr(kPrefix.size());
  if (path == "js/kinds.js") {
    static const std::string kinds = kinds_module();
    static const std::string etag = "\"k" + std::to_string(boost::hash_value(kinds)) + "\"";
    return page_file(call, kinds, "text/javascript; charset=utf-8", etag);
  }
  const auto* asset = web::find_web_asset(path);
  if (asset == nullptr || path == "index.html") {
    return json_error(call.req, http::status::not_found, "no such file", call.ctx.counters);
  }
  return page_file(call, std::string(asset->body), asset->content_type, asset->etag);
}

}  // namespace kotona::server::http
