#include "server/http/quarantine_routes.h"

#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>

#include "core/log.h"
#include "server/http/api_json.h"
#include "server/http/respond.h"

namespace kotona::server::http {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr std::string_view kLog = "http";
constexpr std::int64_t kMaxLimit = 10000;

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

Response bad_input(const Request& req, const std::string& why, Counters& counters) {
  counters.add("api_bad_input");
  return json_error(req, http::status::bad_request, why, counters);
}

Response store_error(const Request& req, const Error& e, Counters& counters) {
  counters.add("store_error");
  log_error(kLog, "quarantine api: " + describe(e));
  return json_error(req, http::status::internal_server_error, "store error", counters);
}

json::object item_json(const store::QuarantineItem& item) {
  json::object o{{"id", item.id},
                 {"received_unix_ms", item.received.time_since_epoch().count()},
                 {"topic", item.topic},
                 {"reason", item.reason},
                 {"reading_uid", item.reading_uid},
                 {"gateway_id", item.gateway},
                 {"device_serial", item.device},
                 {"payload_bytes", item.payload_bytes},
                 {"releasable", item.reason == "not_enrolled" && !item.released}};
  // The decoded reading, where the server could decode one (not_enrolled, identity_mismatch).
  boost::system::error_code ec;
  auto reading = json::parse(item.reading_json, ec);
  o["reading"] = ec ? json::value(nullptr) : std::move(reading);
  if (item.released) {
    o["released_unix_ms"] = item.released->time_since_epoch().count();
    o["released_by"] = item.released_by;
    o["release_outcome"] = item.release_outcome;
  }
  return o;
}

Response list(const Request& req, RouteContext& ctx) {
  auto q = query_params(std::string_view(req.target().data(), req.target().size()),
                        {"gateway", "reason", "held", "limit"});
  if (!q) return bad_input(req, q.error().detail, ctx.counters);
  store::QuarantineFilter filter;
  if (q->count("gateway")) {
    if (!is_valid_id_text(q->at("gateway"))) return bad_input(req, "bad gateway", ctx.counters);
    filter.gateway = q->at("gateway");
  }
  if (q->count("reason")) filter.reason = q->at("reason");
  if (q->count("held")) {
    if (q->at("held") != "1" && q->at("held") != "0") {
      return bad_input(req, "held must be 0 or 1", ctx.counters);
    }
    filter.held_only = q->at("held") == "1";
  }
  std::int64_t limit = 200;
  if (q->count("limit")) {
    auto n = parse_int(q->at("limit"));
    if (!n || *n < 1 || *n > kMaxLimit) {
      return bad_input(req, "limit must be 1-" + std::to_string(kMaxLimit), ctx.counters);
    }
    limit = *n;
  }
  auto items = ctx.store.quarantined(filter, static_cast<int>(limit));
  if (!items) return store_error(req, items.error(), ctx.counters);
  json::array out;
  for (const auto& item : *items) out.push_back(item_json(item));
  return json_reply(req, http::status::ok, json::object{{"items", std::move(out)}}, ctx.counters);
}

Response release(const Request& req, std::int64_t id, const Principal& who, RouteContext& ctx) {
  auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  auto out = ctx.store.release_quarantined(id, who.user, now);
  if (!out) return store_error(req, out.error(), ctx.counters);
  switch (out->status) {
    case store::WriteStatus::kNotFound:
      return json_error(req, http::status::not_found, "no such quarantined item", ctx.counters);
    case store::WriteStatus::kConflict:
      return json_error(req, http::status::conflict, out->why, ctx.counters);
    case store::WriteStatus::kDone:
      break;
  }
  ctx.counters.add("quarantine_released");
  log_info(kLog, "quarantine/" + std::to_string(id) + " released by " + log_quote(who.user) + ": " +
                     out->item.release_outcome);
  if (!out->new_alerts.empty()) ctx.hub.publish(out->new_alerts);
  json::array alerts;
  for (const auto& a : out->new_alerts) alerts.push_back(alert_json(a));
  return json_reply(req, http::status::ok,
                    json::object{{"item", item_json(out->item)}, {"alerts", std::move(alerts)}},
                    ctx.counters);
}

}  // namespace

bool is_quarantine_path(std::string_view path) {
  return path == kQuarantinePath ||
         (path.starts_with(kQuarantinePath) && path.size() > kQuarantinePath.size() &&
          path[kQuarantinePath.size()] == '/');
}

Response handle_quarantine_request(const Request& req, std::string_view path, const Principal& who,
                                   RouteContext& ctx) {
  bool reads = req.method() == http::verb::get || req.method() == http::verb::head;
  if (path == kQuarantinePath) {
    if (!reads) {
      auto res = json_error(req, http::status::method_not_allowed, "only GET", ctx.counters);
      res.set(http::field::allow, "GET, HEAD");
      return res;
    }
    return list(req, ctx);
  }
  constexpr std::string_view kRelease = "/release";
  auto rest = path.substr(kQuarantinePath.size() + 1);
  if (!rest.ends_with(kRelease)) {
    return json_error(req, http::status::not_found, "no such resource", ctx.counters);
  }
  auto id = parse_int(rest.substr(0, rest.size() - kRelease.size()));
  if (!id || *id < 1) return bad_input(req, "bad quarantine item id", ctx.counters);
  if (req.method() != http::verb::post) {
    auto res = json_error(req, http::status::method_not_allowed, "only POST", ctx.counters);
    res.set(http::field::allow, "POST");
    return res;
  }
  return release(req, *id, who, ctx);
}

}  // namespace kotona::server::http
