#include "server/http/routes.h"

#include <algorithm>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <limits>

#include "core/log.h"
#include "server/fhir/time_range.h"
#include "server/http/alert_routes.h"
#include "server/http/api_json.h"
#include "server/http/enrolment_routes.h"
#include "server/http/fhir_routes.h"
#include "server/http/login.h"
#include "server/http/page.h"
#include "server/http/quarantine_routes.h"
#include "server/http/request_guard.h"
#include "server/http/respond.h"
#include "server/store/json_text.h"

namespace kotona::server::http {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr int kDefaultReadingLimit = 1000;
constexpr int kMaxReadingLimit = 10000;

std::optional<std::int64_t> parse_int(std::string_view text, std::int64_t min, std::int64_t max) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  if (v < min || v > max) return std::nullopt;
  return v;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] != '%') {
      out += s[i];
    } else {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_digit(s[i + 1]);
      int lo = hex_digit(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return out;
}

Response bad_request(const Request& req, const std::string& why, Counters& counters) {
  return json_error(req, http::status::bad_request, why.empty() ? "bad limit" : why, counters);
}

template <typename Rows, typename ToJson>
Response json_list(const Request& req, const Rows& rows, ToJson to_json, Counters& counters) {
  if (!rows) return json_error(req, http::status::internal_server_error, "store error", counters);
  json::array out;
  for (const auto& row : *rows) out.push_back(to_json(row));
  return respond(req, http::status::ok, store::to_json_text(out), "application/json", counters);
}

// The first three path segments ("/api/v1/fhir"): enough to tell the route, never an id.
std::string route_prefix(std::string_view path) {
  std::size_t end = 0;
  for (int i = 0; i < 3 && end != std::string_view::npos; ++i) end = path.find('/', end + 1);
  return std::string(path.substr(0, end)) + (end == std::string_view::npos ? "" : "/...");
}

// A refused request: counted and logged with no health data (no patient id, no query).
Response deny(const Request& req, http::status status, const std::optional<Principal>& who,
              RouteContext& ctx) {
  std::string_view target(req.target().data(), req.target().size());
  auto code = static_cast<int>(status);
  ctx.counters.add("http_denied_" + std::to_string(code));
  log_warn("http", "denied " + std::to_string(code) + " " + std::string(req.method_string()) + " " +
                       route_prefix(target.substr(0, target.find_first_of("?#"))) +
                       (who ? " user=" + who->user + " role=" + std::string(to_string(who->role))
                            : std::string(" (no valid token)")));
  auto res =
      json_error(req, status, code == 401 ? "authentication required" : "forbidden", ctx.counters);
  if (code == 401) res.set(http::field::www_authenticate, "Bearer realm=\"kotona\"");
  return res;
}

// A resource outside the principal's care teams answers as if it did not exist (issue 17: a 403
// told an attacker which alert ids, patients and enrolments exist). Logged as "hidden" (no id).
void log_hidden(const Request& req, const Principal& who, RouteContext& ctx) {
  std::string_view target(req.target().data(), req.target().size());
  ctx.counters.add("http_hidden_outside_team");
  log_warn("http", "hidden (outside care team) " + std::string(req.method_string()) + " " +
                       route_prefix(target.substr(0, target.find_first_of("?#"))) +
                       " user=" + who.user + " role=" + std::string(to_string(who.role)));
}

// 404 "no such <what>", the same answer as for an id that does not exist.
Response hidden(const Request& req, const Principal& who, RouteContext& ctx, const char* what) {
  log_hidden(req, who, ctx);
  return json_error(req, http::status::not_found, std::string("no such ") + what, ctx.counters);
}

// An empty list, the same answer as for a patient that does not exist.
Response hidden_list(const Request& req, const Principal& who, RouteContext& ctx) {
  log_hidden(req, who, ctx);
  return respond(req, http::status::ok, "[]", "application/json", ctx.counters);
}

bool is_read(const Request& req) {
  return req.method() == http::verb::get || req.method() == http::verb::head;
}

// Rows the principal may see, at most `limit` (the store is asked for up to `fetch` rows).
template <typename Rows>
Rows visible(Rows rows, const Principal& who, std::int64_t limit) {
  if (!rows) return rows;
  std::erase_if(*rows, [&who](const auto& row) { return !who.may_see(row.patient.value); });
  if (rows->size() > static_cast<std::size_t>(limit)) rows->resize(static_cast<std::size_t>(limit));
  return rows;
}

Response api(const Request& req, const Principal& who, RouteContext& ctx) {
  auto& store = ctx.store;
  auto& counters = ctx.counters;
  std::string why;
  std::string_view target(req.target().data(), req.target().size());
  bool all = who.role == Role::kAdmin;
  auto q = query_params(target, {"patient", "limit", "start", "end"});
  if (!q) why = q.error().detail;
  auto limit = q && q->count("limit") ? parse_int(q->at("limit"), 1, kMaxReadingLimit)
                                      : std::optional<std::int64_t>{kDefaultReadingLimit};
  if (!q || !limit) return bad_request(req, why, counters);
  std::optional<PatientId> patient;
  if (q->count("patient")) {
    if (!is_valid_id_text(q->at("patient"))) {
      return json_error(req, http::status::bad_request, "bad patient id", counters);
    }
    patient = PatientId{q->at("patient")};
    if (!who.may_see(patient->value)) return hidden_list(req, who, ctx);
  }
  if (q->count("start") || q->count("end")) {  // one patient's readings by measured time
    auto param = [&](const char* key) {
      return q->count(key) ? std::optional<std::string>{q->at(key)} : std::nullopt;
    };
    auto range = fhir::parse_time_range(param("start"), param("end"));
    if (!patient || !range) {
      return json_error(req, http::status::bad_request,
                        patient ? range.error().detail : "start/end need a patient", counters);
    }
    return json_list(
        req,
        store.readings_measured_between(*patient, range->from, range->to, static_cast<int>(*limit)),
        reading_json, counters);
  }
  if (all || patient) {
    auto rows = store.readings(patient, static_cast<int>(*limit));
    return json_list(req, visible(std::move(rows), who, *limit), reading_json, counters);
  }
  // A care team: each of its patients' readings in turn (arrival order within a patient).
  Result<std::vector<store::StoredReading>> rows{std::vector<store::StoredReading>{}};
  for (const auto& p : who.patients) {
    auto some = store.readings(PatientId{p}, static_cast<int>(*limit));
    if (!some) {
      rows = fail(some.error());
      break;
    }
    rows->insert(rows->end(), some->begin(), some->end());
  }
  return json_list(req, visible(std::move(rows), who, *limit), reading_json, counters);
}

// Alert routes (alert_routes.cpp) behind the team check: the list keeps only visible patients,
// an action needs its alert's patient visible and is recorded as the authenticated user, the
// audit rows (every patient) are admin-only.
Response alert_route(const Request& req, std::string_view path, const Principal& who,
                     RouteContext& ctx) {
  bool all = who.role == Role::kAdmin;
  if (path.starts_with("/api/v1/audit")) {
    // The rows (actors, notes) are admin-only; the chain verdict carries no health data.
    if (!all && path != "/api/v1/audit/verify") return deny(req, http::status::forbidden, who, ctx);
    return handle_alert_request(req, path, ctx.store, ctx.counters, ctx.hub);
  }
  if (req.method() == http::verb::post) {
    boost::system::error_code ec;
    auto body = json::parse(req.body(), ec);
    if (ec || !body.is_object()) {
      return handle_alert_request(req, path, ctx.store, ctx.counters, ctx.hub);  // its 400
    }
    auto& o = body.as_object();
    if (const auto* id = o.if_contains("alert_id"); id && id->is_string()) {
      auto alert = ctx.store.alert_book().alert(AlertId{std::string(id->as_string())});
      if (alert && *alert && !who.may_see((*alert)->patient.value)) {
        return hidden(req, who, ctx, "alert");
      }
    }
    o["by"] = who.user;  // the audit row names who really acted, not who the body claims
    Request acted = req;
    acted.body() = json::serialize(body);
    acted.prepare_payload();
    return handle_alert_request(acted, path, ctx.store, ctx.counters, ctx.hub);
  }
  std::string_view target(req.target().data(), req.target().size());
  auto q = query_params(target, {"limit", "priority", "state", "patient"});
  if (q && q->count("patient") && !who.may_see(q->at("patient"))) {
    return hidden_list(req, who, ctx);
  }
  auto res = handle_alert_request(req, path, ctx.store, ctx.counters, ctx.hub);
  if (all || res.result() != http::status::ok) return res;
  boost::system::error_code ec;
  auto list = json::parse(res.body(), ec);
  if (ec || !list.is_array())
    return json_error(req, http::status::internal_server_error, "bad list", ctx.counters);
  auto& items = list.as_array();
  for (auto it = items.begin(); it != items.end();) {
    const auto* patient = it->is_object() ? it->as_object().if_contains("patient_id") : nullptr;
    bool keep = patient && patient->is_string() && who.may_see(patient->as_string());
    it = keep ? std::next(it) : items.erase(it);
  }
  res.body() = store::to_json_text(list);
  res.prepare_payload();
  return res;
}

}  // namespace

Result<std::map<std::string, std::string>> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!key || !value) return fail(Errc::kMalformed, "bad percent escape in query");
    if (!out.emplace(*key, *value).second) {
      return fail(Errc::kMalformed, "query parameter '" + *key + "' repeated");
    }
  }
  return out;
}

std::optional<StreamRequest> as_stream_request(const Request& req) {
  std::string_view target(req.target().data(), req.target().size());
  if (target.substr(0, target.find('?')) != kStreamPath || req.method() != http::verb::get) {
    return std::nullopt;
  }
  auto q = query_params(target, {"last_event_id"});
  if (!q) return std::nullopt;
  StreamRequest out;
  // The header wins: a browser's EventSource reconnects to the same URL (with its first
  // ?last_event_id) but sends the newest id it saw in Last-Event-ID.
  auto header = req.find("Last-Event-ID");
  std::optional<std::string> text;
  if (q->count("last_event_id")) text = q->at("last_event_id");
  if (header != req.end()) text = std::string(header->value());
  if (text) {
    out.last_event_id = parse_int(*text, 0, std::numeric_limits<std::int64_t>::max());
    if (!out.last_event_id) return std::nullopt;
  }
  return out;
}

std::string bearer_token(const Request& req) {
  auto header = req.find(http::field::authorization);
  if (header == req.end()) return {};
  std::string_view value(header->value().data(), header->value().size());
  constexpr std::string_view kBearer = "Bearer ";
  if (value.size() <= kBearer.size() || value.substr(0, kBearer.size()) != kBearer) return {};
  return std::string(value.substr(kBearer.size()));
}

namespace {

bool is_public(std::string_view path) {
  return std::find(std::begin(kPublicPaths), std::end(kPublicPaths), path) !=
         std::end(kPublicPaths);
}

// A GET/HEAD of a known non-stream route, for an authenticated principal.
Routed route(const Request& req, std::string_view path, const Principal& who, RouteContext& ctx) {
  auto& counters = ctx.counters;
  if (path.starts_with(kFhirPrefix)) {
    auto patient = fhir_patient_of(path);
    if (patient && !who.may_see(*patient)) {
      log_hidden(req, who, ctx);
      return fhir_no_such_patient(req, counters);
    }
    return handle_fhir_request(req, path, ctx.store, counters);
  }
  if (is_alert_path(path)) return alert_route(req, path, who, ctx);
  if (is_quarantine_path(path)) return handle_quarantine_request(req, path, who, ctx);
  if (is_enrolment_path(path)) {
    auto patient = enrolment_patient_of(req, path, ctx.store);
    if (patient && !who.may_see(*patient)) {
      // Writes are admin-only (403 for everyone else); reads answer as for no such thing.
      if (!is_read(req)) return deny(req, http::status::forbidden, who, ctx);
      if (path == "/api/v1/enrolments") return hidden_list(req, who, ctx);  // ?patient=
      return hidden(req, who, ctx, path.starts_with("/api/v1/patients") ? "patient" : "enrolment");
    }
    return handle_enrolment_request(req, path, who, ctx);
  }
  constexpr std::string_view kUsers = "/api/v1/users/";
  if (path.starts_with(kUsers) && path.ends_with("/logout") && req.method() == http::verb::post) {
    // An admin signs a user out everywhere (issue 17: a stolen or leaked token ends now).
    if (who.role != Role::kAdmin) return deny(req, http::status::forbidden, who, ctx);
    auto name = std::string(path.substr(kUsers.size(), path.size() - kUsers.size() - 7));
    auto ended = ctx.auth.logout_user(name);
    log_info("http", "user=" + who.user + " signed out user=" + name + " everywhere (" +
                         std::to_string(ended) + " tokens)");
    return respond(req, http::status::ok, "{\"ended\":" + std::to_string(ended) + "}",
                   "application/json", counters);
  }
  bool known = path == "/api/v1/readings" || path == "/metrics" || path == kStreamPath ||
               path == kLogoutPath;
  if (!known) return json_error(req, http::status::not_found, "no such resource", counters);
  if (path == kLogoutPath) {
    if (req.method() != http::verb::post) {
      return json_error(req, http::status::method_not_allowed, "only POST", counters);
    }
    ctx.auth.logout(bearer_token(req));
    return respond(req, http::status::ok, "{}", "application/json", counters);
  }
  if (!is_read(req)) {
    auto res = json_error(req, http::status::method_not_allowed, "only GET", counters);
    res.set(http::field::allow, "GET, HEAD");
    return res;
  }
  if (path == kStreamPath) {
    return json_error(req, http::status::bad_request, "bad query or Last-Event-ID", counters);
  }
  if (path == "/metrics") {
    if (who.role != Role::kAdmin) return deny(req, http::status::forbidden, who, ctx);
    // sse_clients goes up and down: a gauge (a counter must never decrease).
    auto gauges = health_gauges(ctx.health);
    gauges["sse_clients"] = ctx.hub.size();
    auto text = prometheus_text(counters.snapshot(), gauges);
    return respond(req, http::status::ok, text, "text/plain; version=0.0.4", counters);
  }
  return api(req, who, ctx);
}

Routed public_route(const Request& req, std::string_view path, RouteContext& ctx) {
  if (path == kLoginPath) return login_route(req, ctx);
  if (!is_read(req)) {
    auto res = json_error(req, http::status::method_not_allowed, "only GET", ctx.counters);
    res.set(http::field::allow, "GET, HEAD");
    return res;
  }
  if (path.starts_with("/healthz")) return health_response(req, path, ctx.health, ctx.counters);
  auto res = respond(req, http::status::ok, std::string(feed_page_html()),
                     "text/html; charset=utf-8", ctx.counters);
  // The page holds a bearer token: no framing, no foreign scripts, no referrer.
  res.set("Content-Security-Policy",
          "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
          "'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Content-Type-Options", "nosniff");
  return res;
}

}  // namespace

Routed dispatch(const Request& req, RouteContext& ctx) {
  ctx.counters.add("http_requests");
  static const std::vector<std::string> kDefaultNames = default_public_names();
  if (auto refused = guard_request(req, ctx.public_names ? *ctx.public_names : kDefaultNames,
                                   ctx.counters)) {
    return std::move(*refused);
  }
  std::string_view target(req.target().data(), req.target().size());
  std::string_view path = target.substr(0, target.find('?'));
  if (is_public(path)) return public_route(req, path, ctx);
  // Default deny: everything else needs a live token, whatever the route (even unknown ones,
  // so probing tells nothing about which routes exist).
  auto token = bearer_token(req);
  auto who = ctx.auth.authenticate(token);
  if (!who) return deny(req, http::status::unauthorized, std::nullopt, ctx);
  bool reads = is_read(req);
  bool acts = !reads && path != kLogoutPath;
  if (acts && who->role == Role::kViewer) return deny(req, http::status::forbidden, who, ctx);
  // The patient register and enrolment are changed by admins only; the quarantine (every
  // hub's undeliverable data) is admin-only, reads included.
  bool admin_only = (acts && is_enrolment_path(path)) || is_quarantine_path(path);
  if (admin_only && who->role != Role::kAdmin) return deny(req, http::status::forbidden, who, ctx);
  // A care team sees its config `team` line's patients and the register's patients of that team.
  if (who->role != Role::kAdmin) {
    auto registered = ctx.store.team_patients(who->team);
    if (!registered) {
      ctx.counters.add("store_error");
      return json_error(req, http::status::internal_server_error, "store error", ctx.counters);
    }
    who->patients.merge(*registered);
  }
  if (auto stream = as_stream_request(req)) return StreamGrant{*stream, *who, token};
  return route(req, path, *who, ctx);
}

}  // namespace kotona::server::http
