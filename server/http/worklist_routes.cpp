#include "server/http/worklist_routes.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <variant>

#include "core/log.h"
#include "server/http/api_json.h"
#include "server/http/respond.h"
#include "server/store/notes.h"

namespace kotona::server::http {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr std::string_view kLog = "http";
constexpr int kMaxNotesListed = 200;
// The page's languages (server/web/js/messages.js).
constexpr std::array<std::string_view, 3> kLanguages{"fi", "sv", "en"};

HubTime now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

Response bad_input(const Call& call, const std::string& why) {
  call.ctx.counters.add("api_bad_input");
  return json_error(call.req, http::status::bad_request, why, call.ctx.counters);
}

Response store_failed(const Call& call, const char* what, const Error& e) {
  call.ctx.counters.add("store_error");
  // The error may quote a row (a note's text, a patient id): only its code is logged.
  log_error(kLog,
            std::string(what) + " (backend detail withheld): " + std::string(to_string(e.code)));
  return json_error(call.req, http::status::internal_server_error, "store error",
                    call.ctx.counters);
}

// The request body as a JSON object, or nullopt.
std::optional<json::object> body_object(const Call& call) {
  boost::system::error_code ec;
  auto body = json::parse(call.req.body(), ec);
  if (ec || !body.is_object()) return std::nullopt;
  return body.as_object();
}

std::optional<std::string> string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

// A note's text: 1..kMaxNoteBytes, not only white space; nullopt otherwise.
std::optional<std::string> note_text(const json::object& o) {
  auto text = string_field(o, "text");
  if (!text || text->size() > store::kMaxNoteBytes) return std::nullopt;
  if (text->find_first_not_of(" \t\r\n") == std::string::npos) return std::nullopt;
  return text;
}

// The care teams `who` works in (an admin: every team of the config), each with its name
// (null: none configured) and its config `team` line's patients: the page's team names and
// filter (issue 18).
json::array teams_json(const Principal& who, const Auth& auth) {
  json::array out;
  for (const auto& [team, patients] : auth.teams()) {
    if (who.role != Role::kAdmin && team != who.team) continue;
    auto name = auth.team_names().find(team);
    json::array ids;
    for (const auto& p : patients) ids.push_back(json::value(p));
    out.push_back(
        json::object{{"id", team},
                     {"name", name == auth.team_names().end() ? json::value(nullptr)
                                                              : json::value(name->second)},
                     {"patients", std::move(ids)}});
  }
  return out;
}

json::object me_json(const Call& call, const store::UserSettings& s) {
  const auto& who = call.who;
  return json::object{
      {"user", who.user},
      {"role", std::string(to_string(who.role))},
      {"team", who.team.empty() || who.team == "-" ? json::value(nullptr) : json::value(who.team)},
      {"teams", teams_json(who, call.ctx.auth)},
      {"language", s.language ? json::value(*s.language) : json::value(nullptr)},
      // Issue 18 part 6, as the page applies them: sound on and notification off by default.
      {"alert_sound", s.alert_sound.value_or(true)},
      {"alert_notify", s.alert_notify.value_or(false)}};
}

// The alert `id` names when the caller may see it; else the 404 to answer.
std::variant<store::StoredAlert, Response> visible_alert(const Call& call,
                                                         const std::optional<std::string>& id) {
  if (!id || id->empty() || id->size() > 512) {
    return bad_input(call, "alert_id must be a non-empty string");
  }
  auto alert = call.ctx.store.alert_book().alert(AlertId{*id});
  if (!alert) return store_failed(call, "alert read", alert.error());
  if (*alert && !call.who.may_see((*alert)->patient.value)) return hidden(call, "alert");
  if (!*alert) {
    return json_error(call.req, http::status::not_found, "no such alert", call.ctx.counters);
  }
  return **alert;
}

// Why a claim or release was refused, from the alert as it is.
std::string refusal(const store::StoredAlert& a, bool take) {
  if (!a.claimed_by.empty()) return "claimed by " + a.claimed_by;
  if (take) return "alert is " + std::string(store::to_string(a.state));
  return "alert is not claimed";
}

// A committed claim, release or note: counted, published to the feed, answered.
Response changed(const Call& call, const char* counter, const store::StoredAlert& alert) {
  call.ctx.counters.add(counter);
  log_info(kLog, std::string(counter) + " alert " + alert.alert_id.value + " by " + call.who.user);
  call.ctx.hub.publish({alert});
  return json_reply(call.req, http::status::ok, alert_json(alert), call.ctx.counters);
}

Response claim(const Call& call, bool take) {
  auto body = body_object(call);
  if (!body) return bad_input(call, "body must be a JSON object");
  auto found = visible_alert(call, string_field(*body, "alert_id"));
  if (auto* refused = std::get_if<Response>(&found)) return std::move(*refused);
  const auto& id = std::get<store::StoredAlert>(found).alert_id;
  // An admin may take over a colleague's claim (the holder away, the alert waiting).
  const auto* flag = body->if_contains("takeover");
  if (flag != nullptr && !flag->is_bool()) return bad_input(call, "takeover must be true or false");
  const bool takeover = flag != nullptr && flag->as_bool();
  if (takeover && !take) return bad_input(call, "takeover is a claim's flag, not a release's");
  if (takeover && call.who.role != Role::kAdmin) {
    call.ctx.counters.add("http_denied_403");  // as routes.cpp's deny(): counted, one line
    log_warn(kLog, "denied 403 POST /api/v1/alerts takeover user=" + call.who.user +
                       " role=" + std::string(to_string(call.who.role)));
    return json_error(call.req, http::status::forbidden, "taking over a claim needs the admin role",
                      call.ctx.counters);
  }
  auto out = takeover ? call.ctx.store.alert_book().take_over(id, call.who.user, now())
                      : call.ctx.store.alert_book().claim(id, call.who.user, take, now());
  if (!out) return store_failed(call, "alert claim", out.error());
  if (out->status == store::ActionStatus::kNoSuchAlert) {
    return json_error(call.req, http::status::not_found, "no such alert", call.ctx.counters);
  }
  if (out->status == store::ActionStatus::kWrongState) {
    return json_error(call.req, http::status::conflict, refusal(out->alert, take),
                      call.ctx.counters);
  }
  return changed(call,
                 takeover ? "alerts_taken_over" : (take ? "alerts_claimed" : "alerts_unclaimed"),
                 out->alert);
}

json::array notes_json(const std::vector<store::Note>& notes) {
  json::array out;
  for (const auto& n : notes) out.push_back(note_json(n));
  return out;
}

}  // namespace

std::variant<PatientId, Response> visible_patient(const Call& call) {
  std::string id(call.args.at(0));
  if (!call.who.may_see(id)) return hidden(call, "patient");
  if (!is_valid_id_text(id)) return bad_input(call, "bad patient id");
  auto found = call.ctx.store.patients().patient_record(PatientId{id});
  if (!found) return store_failed(call, "patient read", found.error());
  if (!*found) {
    return json_error(call.req, http::status::not_found, "no such patient", call.ctx.counters);
  }
  return PatientId{id};
}

Routed show_me(const Call& call) {
  auto s = call.ctx.store.settings().settings(call.who.user);
  if (!s) return store_failed(call, "settings read", s.error());
  return json_reply(call.req, http::status::ok, me_json(call, *s), call.ctx.counters);
}

Routed update_me(const Call& call) {
  constexpr const char* kWhy = "language must be fi, sv or en (or null)";
  auto body = body_object(call);
  if (!body) return bad_input(call, "body must be a JSON object");
  if (body->empty())
    return bad_input(call, "no setting given (language, alert_sound, alert_notify)");
  auto s = call.ctx.store.settings().settings(call.who.user);
  if (!s) return store_failed(call, "settings read", s.error());
  store::UserSettings wanted = *s;
  for (const auto& field : *body) {
    const auto& value = field.value();
    if (field.key() == "language") {
      if (value.is_null()) {
        wanted.language.reset();
      } else if (!value.is_string() || std::find(kLanguages.begin(), kLanguages.end(),
                                                 value.as_string()) == kLanguages.end()) {
        return bad_input(call, kWhy);
      } else {
        wanted.language = std::string(value.as_string());
      }
    } else if (field.key() == "alert_sound" || field.key() == "alert_notify") {
      auto& setting = field.key() == "alert_sound" ? wanted.alert_sound : wanted.alert_notify;
      if (value.is_null()) {
        setting.reset();
      } else if (value.is_bool()) {
        setting = value.as_bool();
      } else {
        return bad_input(call, std::string(field.key()) + " must be true, false or null");
      }
    } else {
      return bad_input(call, "unknown field '" + std::string(field.key()) +
                                 "' (language, alert_sound, alert_notify)");
    }
  }
  auto saved = call.ctx.store.settings().save(wanted, now());
  if (!saved) return store_failed(call, "settings write", saved.error());
  call.ctx.counters.add("user_settings_saved");
  return json_reply(call.req, http::status::ok, me_json(call, *saved), call.ctx.counters);
}

Routed claim_alert(const Call& call) { return claim(call, true); }
Routed unclaim_alert(const Call& call) { return claim(call, false); }

Routed list_alert_notes(const Call& call) {
  auto q = query_params(std::string_view(call.req.target().data(), call.req.target().size()),
                        {"alert_id"});
  if (!q) return bad_input(call, q.error().detail);
  auto it = q->find("alert_id");
  auto found = visible_alert(call, it == q->end() ? std::nullopt : std::optional{it->second});
  if (auto* refused = std::get_if<Response>(&found)) return std::move(*refused);
  const auto& id = std::get<store::StoredAlert>(found).alert_id;
  auto notes = call.ctx.store.alert_book().notes(id, kMaxNotesListed);
  if (!notes) return store_failed(call, "alert notes read", notes.error());
  return json_reply(call.req, http::status::ok, notes_json(*notes), call.ctx.counters);
}

Routed add_alert_note(const Call& call) {
  auto body = body_object(call);
  if (!body) return bad_input(call, "body must be a JSON object");
  auto found = visible_alert(call, string_field(*body, "alert_id"));
  if (auto* refused = std::get_if<Response>(&found)) return std::move(*refused);
  auto text = note_text(*body);
  if (!text) return bad_input(call, "text must be a string of 1-2000 bytes, not only spaces");
  const auto& id = std::get<store::StoredAlert>(found).alert_id;
  auto out = call.ctx.store.alert_book().add_note(id, call.who.user, *text, now());
  if (!out) return store_failed(call, "alert note", out.error());
  if (out->status != store::ActionStatus::kDone) {
    return json_error(call.req, http::status::not_found, "no such alert", call.ctx.counters);
  }
  return changed(call, "alert_notes_added", out->alert);
}

Routed list_patient_notes(const Call& call) {
  auto found = visible_patient(call);
  if (auto* refused = std::get_if<Response>(&found)) return std::move(*refused);
  auto notes = call.ctx.store.patients().notes(std::get<PatientId>(found), kMaxNotesListed);
  if (!notes) return store_failed(call, "patient notes read", notes.error());
  return json_reply(call.req, http::status::ok, notes_json(*notes), call.ctx.counters);
}

Routed add_patient_note(const Call& call) {
  auto found = visible_patient(call);
  if (auto* refused = std::get_if<Response>(&found)) return std::move(*refused);
  auto body = body_object(call);
  if (!body) return bad_input(call, "body must be a JSON object");
  auto text = note_text(*body);
  if (!text) return bad_input(call, "text must be a string of 1-2000 bytes, not only spaces");
  auto note =
      call.ctx.store.patients().add_note(std::get<PatientId>(found), call.who.user, *text, now());
  if (!note) return store_failed(call, "patient note", note.error());
  if (!*note) {
    return json_error(call.req, http::status::not_found, "no such patient", call.ctx.counters);
  }
  call.ctx.counters.add("patient_notes_added");
  return json_reply(call.req, http::status::created, note_json(**note), call.ctx.counters);
}

}  // namespace kotona::server::http
