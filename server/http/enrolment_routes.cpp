#include "server/http/enrolment_routes.h"

#include <algorithm>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>

#include "core/henkilotunnus.h"
#include "core/log.h"
#include "server/fhir/time_range.h"
#include "server/http/api_json.h"
#include "server/http/respond.h"
#include "server/store/json_text.h"

namespace kotona::server::http {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr std::string_view kLog = "http";
constexpr std::size_t kMaxDisplayName = 200;
constexpr std::int64_t kMaxLimit = 10000;

// Bad input: a clear 400 and a counter. `why` never quotes a henkilötunnus.
Response bad_input(const Request& req, const std::string& why, Counters& counters) {
  counters.add("api_bad_input");
  return json_error(req, http::status::bad_request, why, counters);
}

Response store_error(const Request& req, const Error& e, Counters& counters) {
  counters.add("store_error");
  log_error(kLog, "enrolment api: " + describe(e));
  return json_error(req, http::status::internal_server_error, "store error", counters);
}

HubTime now_ms() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// A register row as `who` may see it: the full henkilotunnus only for admins (who register
// patients), everyone else the masked code and the age. Today is the UTC date (libstdc++ 12
// has no time zones): a birthday counts up to 3 h late in Finland.
json::object patient_view(const store::PatientRecord& p, const Principal& who) {
  return patient_json(p, who.role == Role::kAdmin,
                      std::chrono::year_month_day{
                          std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())});
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

// The query, limited to `allowed` keys; `why` says what is wrong otherwise.
std::optional<std::map<std::string, std::string>> query_of(
    const Request& req, std::initializer_list<std::string_view> allowed, std::string& why) {
  auto parsed = query_params(std::string_view(req.target().data(), req.target().size()), allowed);
  if (!parsed) {
    why = parsed.error().detail;
    return std::nullopt;
  }
  for (const auto& [key, value] : *parsed) {
    if (key == "limit") {
      auto n = parse_int(value);
      if (!n || *n < 1 || *n > kMaxLimit) {
        why = "limit must be 1-" + std::to_string(kMaxLimit);
        return std::nullopt;
      }
    } else if (!is_valid_id_text(value)) {
      why = key + " must be 1-64 characters of [A-Za-z0-9._-]";
      return std::nullopt;
    }
  }
  return *parsed;
}

int limit_of(const std::map<std::string, std::string>& q) {
  return q.count("limit") ? static_cast<int>(*parse_int(q.at("limit"))) : 1000;
}

// A JSON object body whose keys are all in `allowed`; `why` otherwise.
std::optional<json::object> body_of(const Request& req,
                                    std::initializer_list<std::string_view> allowed,
                                    std::string& why) {
  boost::system::error_code ec;
  auto body = json::parse(req.body(), ec);
  if (ec || !body.is_object()) {
    why = "body must be a JSON object";
    return std::nullopt;
  }
  for (const auto& [key, value] : body.as_object()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      why = "unknown field '" + std::string(key) + "'";
      return std::nullopt;
    }
  }
  return std::move(body.as_object());
}

// An id field (required): 1-64 characters of [A-Za-z0-9._-].
std::optional<std::string> id_field(const json::object& o, std::string_view key, std::string& why) {
  const auto* v = o.if_contains(key);
  if (v && v->is_string() && is_valid_id_text(std::string(v->as_string()))) {
    return std::string(v->as_string());
  }
  why = std::string(key) + " must be 1-64 characters of [A-Za-z0-9._-]";
  return std::nullopt;
}

// An optional instant field: absent or null -> `fallback`.
std::optional<HubTime> time_field(const json::object& o, std::string_view key, HubTime fallback,
                                  std::string& why) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return fallback;
  if (v->is_string()) {
    auto range = fhir::parse_time_range(std::string(v->as_string()), std::nullopt);
    if (range) return range->from;
  }
  why = std::string(key) + " must be an instant like 2026-11-23T10:00:00Z (or a date)";
  return std::nullopt;
}

// Applies the register fields present in `o` to `p` (null clears). Checks each; `why` on error.
bool apply_patient_fields(const json::object& o, const Auth& auth, store::PatientRecord& p,
                          std::string& why) {
  if (const auto* v = o.if_contains("henkilotunnus")) {
    if (v->is_null()) {
      p.henkilotunnus.reset();
    } else if (!v->is_string()) {
      return why = "henkilotunnus must be a string", false;
    } else if (auto h = parse_henkilotunnus(std::string_view(v->as_string())); !h) {
      return why = h.error().detail, false;
    } else {
      p.henkilotunnus = h->text;
    }
  }
  if (const auto* v = o.if_contains("display_name")) {
    if (v->is_null()) {
      p.display_name.reset();
    } else {
      const auto* s = v->if_string();
      bool printable = s && !s->empty() && s->size() <= kMaxDisplayName &&
                       std::none_of(s->begin(), s->end(), [](char c) {
                         return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
                       });
      if (!printable) return why = "display_name must be 1-200 bytes of printable text", false;
      p.display_name = std::string(*s);
    }
  }
  if (const auto* v = o.if_contains("language")) {
    const auto* s = v->if_string();
    if (v->is_null()) {
      p.language.reset();
    } else if (!s || (*s != "fi" && *s != "sv" && *s != "ru")) {
      return why = "language must be \"fi\", \"sv\", \"ru\" or null", false;
    } else {
      p.language = std::string(*s);
    }
  }
  if (const auto* v = o.if_contains("team")) {
    if (v->is_null()) {
      p.team.reset();
    } else if (!v->is_string() || !auth.has_team(std::string(v->as_string()))) {
      return why = "team must name a care team of the server config ('team' lines)", false;
    } else {
      p.team = std::string(v->as_string());
    }
  }
  return true;
}

// A register team that contradicts the config's `team` lines would show the patient to two
// teams: refused, naming the config's team (no health data).
std::optional<std::string> team_conflict(const store::PatientRecord& p, const Auth& auth) {
  if (!p.team) return std::nullopt;
  auto listed = auth.config_teams_of(p.id.value);
  if (listed.empty() || listed.contains(*p.team)) return std::nullopt;
  return "the server config lists this patient under care team '" + *listed.begin() + "'";
}

Response write_patient(const Request& req, std::optional<std::string_view> id, const Principal& who,
                       RouteContext& ctx) {
  std::string why;
  auto body =
      id ? body_of(req, {"henkilotunnus", "display_name", "team", "language"}, why)
         : body_of(req, {"patient_id", "henkilotunnus", "display_name", "team", "language"}, why);
  if (!body) return bad_input(req, why, ctx.counters);
  store::PatientRecord patient;
  if (id) {
    auto found = ctx.store.patients().patient_record(PatientId{std::string(*id)});
    if (!found) return store_error(req, found.error(), ctx.counters);
    if (!*found) return json_error(req, http::status::not_found, "no such patient", ctx.counters);
    patient = **found;
  } else {
    auto new_id = id_field(*body, "patient_id", why);
    if (!new_id) return bad_input(req, why, ctx.counters);
    patient.id = PatientId{*new_id};
  }
  if (!apply_patient_fields(*body, ctx.auth, patient, why))
    return bad_input(req, why, ctx.counters);
  if (auto conflict = team_conflict(patient, ctx.auth)) {
    return json_error(req, http::status::conflict, *conflict, ctx.counters);
  }
  auto out = ctx.store.patients().put_patient(patient, !id, who.user, now_ms());
  if (!out) return store_error(req, out.error(), ctx.counters);
  if (out->status == store::WriteStatus::kNotFound) {
    return json_error(req, http::status::not_found, out->why, ctx.counters);
  }
  if (out->status == store::WriteStatus::kConflict) {
    return json_error(req, http::status::conflict, out->why, ctx.counters);
  }
  ctx.counters.add(id ? "patients_updated" : "patients_created");
  // No patient id or henkilötunnus in the log: the audit row names the patient.
  log_info(kLog, std::string(id ? "patient updated" : "patient registered") + " by " + who.user);
  return json_reply(req, id ? http::status::ok : http::status::created,
                    patient_view(out->patient, who), ctx.counters);
}

}  // namespace

Routed list_patients(const Call& call) {
  auto& ctx = call.ctx;
  std::string why;
  auto q = query_of(call.req, {"limit"}, why);
  if (!q) return bad_input(call.req, why, ctx.counters);
  auto rows = ctx.store.patients().patient_records(limit_of(*q));
  if (!rows) return store_error(call.req, rows.error(), ctx.counters);
  json::array out;
  for (const auto& p : *rows) {
    if (call.who.may_see(p.id.value)) out.push_back(patient_view(p, call.who));
  }
  return json_reply(call.req, http::status::ok, out, ctx.counters);
}

Routed create_patient(const Call& call) {
  return write_patient(call.req, std::nullopt, call.who, call.ctx);
}

Routed update_patient(const Call& call) {
  if (!is_valid_id_text(std::string(call.args.at(0)))) {
    return bad_input(call.req, "bad patient id", call.ctx.counters);
  }
  return write_patient(call.req, call.args.at(0), call.who, call.ctx);
}

Routed show_patient(const Call& call) {
  const auto& req = call.req;
  auto& ctx = call.ctx;
  std::string_view rest = call.args.at(0);
  if (!call.who.may_see(rest)) return hidden(call, "patient");
  if (!is_valid_id_text(std::string(rest))) return bad_input(req, "bad patient id", ctx.counters);
  PatientId id{std::string(rest)};
  auto found = ctx.store.patients().patient_record(id);
  if (!found) return store_error(req, found.error(), ctx.counters);
  if (!*found) return json_error(req, http::status::not_found, "no such patient", ctx.counters);
  auto history = ctx.store.patients().enrolments({id, std::nullopt, std::nullopt}, 1000);
  if (!history) return store_error(req, history.error(), ctx.counters);
  auto out = patient_view(**found, call.who);
  json::array bindings;
  for (const auto& e : *history) bindings.push_back(enrolment_json(e));
  out["enrolments"] = std::move(bindings);
  return json_reply(req, http::status::ok, out, ctx.counters);
}

namespace {

Response write_result(const Request& req, const Result<store::EnrolmentWrite>& out,
                      http::status done, Counters& counters) {
  if (!out) return store_error(req, out.error(), counters);
  switch (out->status) {
    case store::WriteStatus::kNotFound:
      return json_error(req, http::status::not_found, out->why, counters);
    case store::WriteStatus::kConflict:
      return json_error(req, http::status::conflict, out->why, counters);
    case store::WriteStatus::kDone:
      break;
  }
  json::object body{
      {"enrolment", enrolment_json(out->enrolment)},
      {"closed", out->closed ? json::value(enrolment_json(*out->closed)) : json::value(nullptr)}};
  return json_reply(req, done, body, counters);
}

}  // namespace

Routed create_enrolment(const Call& call) {
  const auto& req = call.req;
  const auto& who = call.who;
  auto& ctx = call.ctx;
  std::string why;
  auto body = body_of(req, {"gateway_id", "device_serial", "patient_id", "valid_from"}, why);
  if (!body) return bad_input(req, why, ctx.counters);
  auto gateway = id_field(*body, "gateway_id", why);
  auto serial = gateway ? id_field(*body, "device_serial", why) : std::nullopt;
  auto patient = serial ? id_field(*body, "patient_id", why) : std::nullopt;
  auto now = now_ms();
  auto from = patient ? time_field(*body, "valid_from", now, why) : std::nullopt;
  if (!from) return bad_input(req, why, ctx.counters);
  store::Enrolment binding{GatewayId{*gateway}, DeviceSerial{*serial}, PatientId{*patient}, *from,
                           std::nullopt};
  auto out = ctx.store.patients().enrol_device(binding, who.user, now);
  if (out && out->status == store::WriteStatus::kDone) {
    ctx.counters.add("enrolments_created");
    log_info(kLog, "enrolment/" + std::to_string(out->enrolment.id) + " created by " + who.user);
  }
  return write_result(req, out, http::status::created, ctx.counters);
}

Routed end_enrolment(const Call& call) {
  const auto& req = call.req;
  auto& ctx = call.ctx;
  auto id = parse_int(call.args.at(0));
  if (!id || *id < 1) {
    return json_error(req, http::status::not_found, "no such resource", ctx.counters);
  }
  std::string why;
  auto body = req.body().empty() ? std::optional<json::object>{json::object{}}
                                 : body_of(req, {"valid_to"}, why);
  if (!body) return bad_input(req, why, ctx.counters);
  auto now = now_ms();
  auto to = time_field(*body, "valid_to", now, why);
  if (!to) return bad_input(req, why, ctx.counters);
  auto out = ctx.store.patients().end_enrolment(*id, *to, call.who.user, now);
  if (out && out->status == store::WriteStatus::kDone) {
    ctx.counters.add("enrolments_ended");
    log_info(kLog, "enrolment/" + std::to_string(*id) + " ended by " + call.who.user);
  }
  return write_result(req, out, http::status::ok, ctx.counters);
}

Routed list_enrolments(const Call& call) {
  const auto& req = call.req;
  auto& ctx = call.ctx;
  // Another team's patient answers as a patient with no bindings (before any other check).
  std::string_view target(req.target().data(), req.target().size());
  auto raw = parse_query(
      target.find('?') == std::string_view::npos ? "" : target.substr(target.find('?') + 1));
  if (raw && raw->count("patient") && !call.who.may_see(raw->at("patient"))) {
    return hidden_list(call);
  }
  std::string why;
  auto q = query_of(req, {"patient", "gateway", "device", "limit"}, why);
  if (!q) return bad_input(req, why, ctx.counters);
  store::EnrolmentFilter filter;
  if (q->count("patient")) filter.patient = PatientId{q->at("patient")};
  if (q->count("gateway")) filter.gateway = GatewayId{q->at("gateway")};
  if (q->count("device")) filter.device_serial = DeviceSerial{q->at("device")};
  auto rows = ctx.store.patients().enrolments(filter, limit_of(*q));
  if (!rows) return store_error(req, rows.error(), ctx.counters);
  json::array out;
  for (const auto& e : *rows) {
    if (call.who.may_see(e.binding.patient.value)) out.push_back(enrolment_json(e));
  }
  return json_reply(req, http::status::ok, out, ctx.counters);
}

Routed show_enrolment(const Call& call) {
  const auto& req = call.req;
  auto& ctx = call.ctx;
  auto id = parse_int(call.args.at(0));
  if (!id || *id < 1) {
    return json_error(req, http::status::not_found, "no such resource", ctx.counters);
  }
  auto found = ctx.store.patients().enrolment(*id);
  if (!found) return store_error(req, found.error(), ctx.counters);
  if (!*found) return json_error(req, http::status::not_found, "no such enrolment", ctx.counters);
  if (!call.who.may_see((*found)->binding.patient.value)) return hidden(call, "enrolment");
  return json_reply(req, http::status::ok, enrolment_json(**found), ctx.counters);
}

}  // namespace kotona::server::http
