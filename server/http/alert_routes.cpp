#include "server/http/alert_routes.h"

#include <algorithm>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>

#include "core/log.h"
#include "server/http/api_json.h"
#include "server/http/respond.h"
#include "server/store/json_text.h"

namespace kotona::server::http {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr std::string_view kLog = "http";
constexpr std::size_t kMaxNote = 2000;

std::optional<int> parse_limit(const std::map<std::string, std::string>& q, int fallback, int max) {
  auto it = q.find("limit");
  if (it == q.end()) return fallback;
  int v = 0;
  const auto& text = it->second;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || v < 1 || v > max) {
    return std::nullopt;
  }
  return v;
}

// The filter of ?priority=&state=&patient= (`why` says what is wrong otherwise).
std::optional<store::AlertFilter> alert_filter(const std::map<std::string, std::string>& q,
                                               std::string& why) {
  store::AlertFilter filter;
  if (q.count("priority")) filter.priority = alerts::parse_priority(q.at("priority"));
  if (q.count("state")) filter.state = store::parse_alert_state(q.at("state"));
  if (q.count("priority") && !filter.priority) {
    why = "priority must be high, medium or low";
  } else if (q.count("state") && !filter.state) {
    why = "state must be open, acknowledged or resolved";
  } else if (q.count("patient") && !is_valid_id_text(q.at("patient"))) {
    why = "bad patient id";
  } else if (q.count("patient")) {
    filter.patient = PatientId{q.at("patient")};
  }
  if (!why.empty()) return std::nullopt;
  return filter;
}

}  // namespace

Routed list_alerts(const Call& call) {
  const auto& req = call.req;
  auto& counters = call.ctx.counters;
  auto q = query_params(std::string_view(req.target().data(), req.target().size()),
                        {"limit", "priority", "state", "patient"});
  // Another team's patient answers as a patient with no alerts (before any other check).
  if (q && q->count("patient") && !call.who.may_see(q->at("patient"))) return hidden_list(call);
  if (!q) return json_error(req, http::status::bad_request, q.error().detail, counters);
  auto limit = parse_limit(*q, 100, 1000);
  if (!limit) return json_error(req, http::status::bad_request, "bad limit", counters);
  std::string why;
  auto filter = alert_filter(*q, why);
  if (!filter) return json_error(req, http::status::bad_request, why, counters);
  auto rows = call.ctx.store.alert_book().recent_alerts(*limit, *filter);
  if (!rows) return json_error(req, http::status::internal_server_error, "store error", counters);
  json::array out;
  for (const auto& a : *rows) {
    if (call.who.may_see(a.patient.value)) out.push_back(alert_json(a));
  }
  return json_reply(req, http::status::ok, out, counters);
}

namespace {

std::optional<std::string> string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

// The answer to an acknowledge or resolve; a committed change is published to the SSE hub.
Response acted(const Call& call, bool ack, const std::string& id,
               const Result<store::ActionOutcome>& out) {
  const auto& req = call.req;
  auto& counters = call.ctx.counters;
  if (!out) {
    counters.add("store_error");
    log_error(kLog, "alert action: " + describe(out.error()));
    return json_error(req, http::status::internal_server_error, "store error", counters);
  }
  switch (out->status) {
    case store::ActionStatus::kNoSuchAlert:
      return json_error(req, http::status::not_found, "no such alert", counters);
    case store::ActionStatus::kWrongState:
      return json_error(req, http::status::conflict,
                        "alert is " + std::string(store::to_string(out->alert.state)), counters);
    case store::ActionStatus::kDone:
      break;
  }
  counters.add(ack ? "alerts_acknowledged" : "alerts_resolved");
  log_info(kLog, std::string(ack ? "acknowledged" : "resolved") + " alert " + id + " by " +
                     call.who.user);
  call.ctx.hub.publish({out->alert});
  return json_reply(req, http::status::ok, alert_json(out->alert), counters);
}

// An alert of another team answers as a nonexistent one; the actor is the signed-in user,
// whatever a body's "by" claims.
Response act(const Call& call, bool ack) {
  const auto& req = call.req;
  auto& counters = call.ctx.counters;
  auto& store = call.ctx.store;
  boost::system::error_code ec;
  auto body = json::parse(req.body(), ec);
  if (ec || !body.is_object()) {
    counters.add("alert_action_bad_body");
    return json_error(req, http::status::bad_request, "body must be a JSON object", counters);
  }
  const auto& o = body.as_object();
  auto id = string_field(o, "alert_id");
  if (id) {
    auto alert = store.alert_book().alert(AlertId{*id});
    if (alert && *alert && !call.who.may_see((*alert)->patient.value)) return hidden(call, "alert");
  }
  auto by = std::optional<std::string>{call.who.user};
  auto note = o.contains("note") ? string_field(o, "note") : std::optional<std::string>{""};
  if (!id || id->empty() || id->size() > 512) {
    return json_error(req, http::status::bad_request, "alert_id must be a non-empty string",
                      counters);
  }
  if (!by || !is_valid_id_text(*by)) {
    return json_error(req, http::status::bad_request,
                      "by must be 1-64 characters of [A-Za-z0-9._-]", counters);
  }
  if (!note || note->size() > kMaxNote) {
    return json_error(req, http::status::bad_request, "note must be a string of at most 2000 bytes",
                      counters);
  }
  // Issue 18 part 8: the resolving clinician's "clinically actionable?" (optional).
  std::string actionable;
  if (!ack && o.contains("actionable")) {
    auto answer = string_field(o, "actionable");
    if (!answer || (*answer != "yes" && *answer != "no" && *answer != "unsure")) {
      counters.add("api_bad_input");
      return json_error(req, http::status::bad_request, "actionable must be yes, no or unsure",
                        counters);
    }
    actionable = *answer;
  }
  auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  auto out = ack ? store.alert_book().acknowledge(AlertId{*id}, *by, *note, now)
                 : store.alert_book().resolve(AlertId{*id}, *by,
                                              store::Resolution{*note, actionable}, now);
  return acted(call, ack, *id, out);
}

}  // namespace

Routed acknowledge_alert(const Call& call) { return act(call, true); }
Routed resolve_alert(const Call& call) { return act(call, false); }

Routed list_audit(const Call& call) {
  const auto& req = call.req;
  auto& counters = call.ctx.counters;
  auto& store = call.ctx.store;
  auto q =
      query_params(std::string_view(req.target().data(), req.target().size()), {"alert", "limit"});
  if (!q) return json_error(req, http::status::bad_request, q.error().detail, counters);
  auto limit = parse_limit(*q, 100, 10000);
  if (!limit) return json_error(req, http::status::bad_request, "bad limit", counters);
  std::optional<AlertId> alert;
  if (q->count("alert")) alert = AlertId{q->at("alert")};
  auto rows = store.audit_log().rows(alert, *limit);
  if (!rows) return json_error(req, http::status::internal_server_error, "store error", counters);
  json::array out;
  for (const auto& r : *rows) out.push_back(audit_json(r));
  return json_reply(req, http::status::ok, out, counters);
}

Routed verify_audit(const Call& call) {
  const auto& req = call.req;
  auto& counters = call.ctx.counters;
  auto v = call.ctx.store.audit_log().verify();
  if (!v) return json_error(req, http::status::internal_server_error, "store error", counters);
  if (!v->ok) {
    counters.add("audit_chain_broken");
    log_error(kLog,
              "audit chain broken at row " + std::to_string(v->first_bad_seq) + ": " + v->reason);
  }
  return json_reply(req, http::status::ok, audit_verdict_json(*v), counters);
}

}  // namespace kotona::server::http
