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

}  // namespace

Routed list_quarantine(const Call& call) {
  const auto& req = call.req;
  auto& ctx = call.ctx;
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
  auto items = ctx.store.ledger().quarantined(filter, static_cast<int>(limit));
  if (!items) return store_error(req, items.error(), ctx.counters);
  json::array out;
  for (const auto& item : *items) out.push_back(item_json(item));
  return json_reply(req, http::status::ok, json::object{{"items", std::move(out)}}, ctx.counters);
}

Routed release_quarantine(const Call& call) {
  const auto& req = call.req;
  auto& ctx = call.ctx;
  auto id = parse_int(call.args.at(0));
  if (!id || *id < 1) return bad_input(req, "bad quarantine item id", ctx.counters);
  auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  auto out = ctx.store.ledger().release_quarantined(*id, call.who.user, now);
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
  log_info(kLog, "quarantine/" + std::to_string(*id) + " released by " + log_quote(call.who.user) +
                     ": " + out->item.release_outcome);
  if (!out->new_alerts.empty()) ctx.hub.publish(out->new_alerts);
  json::array alerts;
  for (const auto& a : out->new_alerts) alerts.push_back(alert_json(a));
  return json_reply(req, http::status::ok,
                    json::object{{"item", item_json(out->item)}, {"alerts", std::move(alerts)}},
                    ctx.counters);
}

}  // namespace kotona::server::http
