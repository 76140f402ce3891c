#include "server/http/threshold_routes.h"

#include <boost/json.hpp>
#include <chrono>
#include <variant>

#include "core/log.h"
#include "server/http/api_json.h"
#include "server/http/respond.h"
#include "server/http/worklist_routes.h"

namespace kotona::server::http {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr std::string_view kLog = "http";
constexpr int kHistoryListed = 100;

HubTime now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

json::value text_or_null(const std::optional<std::string>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

// A refusal as a 400 answers it (and as GET says why a stored value is not in force).
json::object refusal_json(const alerts::RuleSettingRefusal& r) {
  return json::object{{"error", r.detail}, {"code", r.code}, {"key", r.key}, {"value", r.value}};
}

json::object thresholds_json(const PatientId& patient, const store::Thresholds& t) {
  json::array values;
  for (const auto& v : t.values) {
    values.push_back(json::object{
        {"key", v.key},
        {"value", v.value},
        {"default", v.default_value},
        {"source", v.source},
        {"set_by", v.set_by.empty() ? json::value(nullptr) : json::value(v.set_by)},
        {"set_at", v.set_at ? json::value(iso8601(*v.set_at)) : json::value(nullptr)},
        {"stored", v.source == "set" ? json::value(v.stored) : json::value(nullptr)},
        {"in_force", v.in_force},
        {"refusal", v.refusal ? json::value(refusal_json(*v.refusal)) : json::value(nullptr)}});
  }
  json::array history;
  for (const auto& c : t.history) {
    history.push_back(json::object{{"id", c.id},
                                   {"key", c.key},
                                   {"before", text_or_null(c.before)},
                                   {"after", text_or_null(c.after)},
                                   {"by", c.actor},
                                   {"at", iso8601(c.at)}});
  }
  return json::object{{"patient_id", patient.value},
                      {"values", std::move(values)},
                      {"history", std::move(history)}};
}

Response store_failed(const Call& call, const Error& e) {
  call.ctx.counters.add("store_error");
  log_error(kLog, "thresholds (backend detail withheld): " + std::string(to_string(e.code)));
  return json_error(call.req, http::status::internal_server_error, "store error",
                    call.ctx.counters);
}

Response refused(const Call& call, const alerts::RuleSettingRefusal& r) {
  call.ctx.counters.add("api_bad_input");
  call.ctx.counters.add("thresholds_refused");
  return json_reply(call.req, http::status::bad_request, refusal_json(r), call.ctx.counters);
}

// The body's {"values": {KEY: text | number | null}} as edits; nullopt when malformed.
std::optional<store::ThresholdEdits> edits_of(const Call& call) {
  boost::system::error_code ec;
  auto body = json::parse(call.req.body(), ec);
  if (ec || !body.is_object()) return std::nullopt;
  const auto* values = body.as_object().if_contains("values");
  if (values == nullptr || !values->is_object()) return std::nullopt;
  store::ThresholdEdits out;
  for (const auto& [key, v] : values->as_object()) {
    std::string k(key);
    if (v.is_null()) {
      out.emplace_back(k, std::nullopt);
    } else if (v.is_string()) {
      out.emplace_back(k, std::string(v.as_string()));
    } else if (v.is_number()) {
      out.emplace_back(k, json::serialize(v));
    } else {
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace

Routed show_thresholds(const Call& call) {
  auto found = visible_patient(call);
  if (auto* refused_answer = std::get_if<Response>(&found)) return std::move(*refused_answer);
  const auto& patient = std::get<PatientId>(found);
  auto t = call.ctx.store.thresholds().thresholds(patient, kHistoryListed);
  if (!t) return store_failed(call, t.error());
  return json_reply(call.req, http::status::ok, thresholds_json(patient, *t), call.ctx.counters);
}

Routed update_thresholds(const Call& call) {
  auto found = visible_patient(call);
  if (auto* refused_answer = std::get_if<Response>(&found)) return std::move(*refused_answer);
  const auto& patient = std::get<PatientId>(found);
  auto edits = edits_of(call);
  if (!edits) {
    call.ctx.counters.add("api_bad_input");
    return json_error(call.req, http::status::bad_request,
                      "body must be {\"values\": {KEY: number, text or null}}", call.ctx.counters);
  }
  auto w =
      call.ctx.store.thresholds().change(patient, *edits, call.who.user, now(), kHistoryListed);
  if (!w) return store_failed(call, w.error());
  if (w->refused) return refused(call, *w->refused);
  call.ctx.counters.add("thresholds_changed");
  log_info(kLog, "thresholds changed for a patient by " + call.who.user);
  return json_reply(call.req, http::status::ok, thresholds_json(patient, w->after),
                    call.ctx.counters);
}

}  // namespace kotona::server::http
