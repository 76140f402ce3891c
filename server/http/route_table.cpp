#include "server/http/route_table.h"

#include <algorithm>
#include <array>

#include "server/http/alert_routes.h"
#include "server/http/enrolment_routes.h"
#include "server/http/fhir_routes.h"
#include "server/http/hub_enrolment_routes.h"
#include "server/http/overview_routes.h"
#include "server/http/quarantine_routes.h"
#include "server/http/record_routes.h"
#include "server/http/session_routes.h"
#include "server/http/threshold_routes.h"
#include "server/http/web_routes.h"
#include "server/http/worklist_routes.h"
#include "server/http/yield_routes.h"

namespace kotona::server::http {

namespace http = boost::beast::http;

namespace {

using V = http::verb;
using A = Access;

// THE table. Requirements are explicit per row: a write that a viewer may make (logout) says
// kSignedIn, everything else that changes state says kActor or kAdmin.
constexpr std::array kRoutes{
    Route{V::get, "/", A::kPublic, serve_page},
    Route{V::get, "/web/**", A::kPublic, serve_asset},
    Route{V::get, "/healthz", A::kPublic, serve_health},
    Route{V::get, "/healthz/live", A::kPublic, serve_health},
    Route{V::get, "/healthz/ready", A::kPublic, serve_health},
    Route{V::post, "/api/v1/login", A::kPublic, serve_login_request},
    Route{V::post, "/api/v1/logout", A::kSignedIn, logout},
    Route{V::post, "/api/v1/users/{name}/logout", A::kAdmin, logout_user},
    Route{V::get, "/metrics", A::kAdmin, metrics},
    Route{V::get, "/api/v1/stream", A::kSignedIn, open_stream},
    Route{V::get, "/api/v1/readings", A::kSignedIn, list_readings},
    Route{V::get, "/api/v1/alerts", A::kSignedIn, list_alerts},
    Route{V::post, "/api/v1/alerts/ack", A::kActor, acknowledge_alert},
    Route{V::post, "/api/v1/alerts/resolve", A::kActor, resolve_alert},
    Route{V::post, "/api/v1/alerts/claim", A::kActor, claim_alert},
    Route{V::post, "/api/v1/alerts/unclaim", A::kActor, unclaim_alert},
    Route{V::get, "/api/v1/alerts/notes", A::kSignedIn, list_alert_notes},
    Route{V::post, "/api/v1/alerts/notes", A::kActor, add_alert_note},
    // The signed-in user's own settings: any role may read and change its own.
    Route{V::get, "/api/v1/me", A::kSignedIn, show_me},
    Route{V::put, "/api/v1/me", A::kSignedIn, update_me},
    // Issue 18 part 8: alert yield over the caller's care teams.
    Route{V::get, "/api/v1/yield", A::kSignedIn, show_yield},
    Route{V::get, "/api/v1/audit", A::kAdmin, list_audit},
    Route{V::get, "/api/v1/audit/verify", A::kSignedIn, verify_audit},
    Route{V::get, "/api/v1/patients", A::kSignedIn, list_patients},
    Route{V::post, "/api/v1/patients", A::kAdmin, create_patient},
    Route{V::get, "/api/v1/patients/{id}", A::kSignedIn, show_patient},
    Route{V::patch, "/api/v1/patients/{id}", A::kAdmin, update_patient},
    Route{V::post, "/api/v1/patients/{id}/henkilotunnus", A::kActor, reveal_henkilotunnus},
    Route{V::get, "/api/v1/patients/{id}/notes", A::kSignedIn, list_patient_notes},
    Route{V::post, "/api/v1/patients/{id}/notes", A::kActor, add_patient_note},
    Route{V::get, "/api/v1/patients/{id}/overview", A::kSignedIn, show_patient_overview},
    // Issue 18 part 5: thresholds read by the team, changed by its clinicians.
    Route{V::get, "/api/v1/patients/{id}/thresholds", A::kSignedIn, show_thresholds},
    Route{V::put, "/api/v1/patients/{id}/thresholds", A::kActor, update_thresholds},
    Route{V::get, "/api/v1/enrolments", A::kSignedIn, list_enrolments},
    Route{V::post, "/api/v1/enrolments", A::kAdmin, create_enrolment},
    Route{V::get, "/api/v1/enrolments/{id}", A::kSignedIn, show_enrolment},
    Route{V::post, "/api/v1/enrolments/{id}/end", A::kAdmin, end_enrolment},
    // Issue 20 part 5: one-time codes (admins) and their use by a blank hub (the code is the
    // credential: public, refused with nothing in it when unknown, used or expired).
    Route{V::post, "/api/v1/enrolment-codes", A::kAdmin, issue_enrolment_code},
    Route{V::post, "/api/v1/hub/enrol", A::kPublic, enrol_hub},
    Route{V::get, "/api/v1/hub-certificates", A::kAdmin, list_hub_certificates},
    Route{V::get, "/api/v1/quarantine", A::kAdmin, list_quarantine},
    Route{V::get, "/api/v1/record", A::kAdmin, show_record},
    Route{V::post, "/api/v1/quarantine/{id}/release", A::kAdmin, release_quarantine},
    // FHIR answers its own 404 and 405 as OperationOutcome (fhir_routes.h).
    Route{V::unknown, "/api/v1/fhir/**", A::kSignedIn, fhir_everything},
};

bool is_read(V method) { return method == V::get || method == V::head; }

// `path` against `pattern`; the {segments} in `args`.
bool matches(std::string_view pattern, std::string_view path, std::vector<std::string_view>& args) {
  args.clear();
  if (pattern.ends_with("/**")) return path.starts_with(pattern.substr(0, pattern.size() - 2));
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    auto p_end = std::min(pattern.find('/'), pattern.size());
    auto s_end = std::min(path.find('/'), path.size());
    auto p = pattern.substr(0, p_end), s = path.substr(0, s_end);
    if (p.starts_with('{') && p.ends_with('}')) {
      if (s.empty()) return false;
      args.push_back(s);
    } else if (p != s) {
      return false;
    }
    pattern.remove_prefix(p_end);
    path.remove_prefix(s_end);
  }
  return true;
}

void add_allow(std::string& allow, V method) {
  std::string name = method == V::get ? "GET, HEAD" : std::string(http::to_string(method));
  if (allow.find(name) != std::string::npos) return;
  allow += (allow.empty() ? "" : ", ") + name;
}

// A request with no row for its method: it learns nothing about the path unless it could call
// a row of the same kind. Writes need a clinician (kActor) or the path's strictest write row; a
// path all public stays public, a path all admin stays admin (the quarantine, /metrics).
Access off_method_need(V method, const std::vector<const Route*>& rows) {
  auto all = [&](A a) {
    return !rows.empty() &&
           std::all_of(rows.begin(), rows.end(), [a](const Route* r) { return r->access == a; });
  };
  if (all(A::kPublic)) return A::kPublic;
  if (all(A::kAdmin)) return A::kAdmin;
  if (is_read(method)) return A::kSignedIn;
  auto need = A::kActor;
  for (const auto* r : rows) {
    if (!is_read(r->method)) need = std::max(need, r->access);
  }
  return need;
}

}  // namespace

std::string_view to_string(Access access) {
  switch (access) {
    case Access::kPublic:
      return "public";
    case Access::kSignedIn:
      return "signed-in";
    case Access::kActor:
      return "clinician";
    case Access::kAdmin:
      return "admin";
  }
  return "?";
}

bool allows(Access access, Role role) {
  switch (access) {
    case Access::kPublic:
    case Access::kSignedIn:
      return true;
    case Access::kActor:
      return role == Role::kClinician || role == Role::kAdmin;
    case Access::kAdmin:
      return role == Role::kAdmin;
  }
  return false;
}

std::span<const Route> route_table() { return kRoutes; }

Match match_route(V method, std::string_view path) {
  Match out;
  std::vector<const Route*> on_path;
  std::vector<std::string_view> args;
  for (const auto& row : kRoutes) {
    if (!matches(row.pattern, path, args)) continue;
    out.path_known = true;
    on_path.push_back(&row);
    if (row.method != V::unknown) add_allow(out.allow, row.method);
    bool same = row.method == V::unknown || row.method == method ||
                (row.method == V::get && method == V::head);
    if (same && out.row == nullptr) {
      out.row = &row;
      out.args = args;
    }
  }
  if (out.row == nullptr) {
    out.need = off_method_need(method, on_path);
  } else if (out.row->method == V::unknown) {
    out.need = std::max(out.row->access, is_read(method) ? A::kSignedIn : A::kActor);
  } else {
    out.need = out.row->access;
  }
  return out;
}

}  // namespace kotona::server::http
