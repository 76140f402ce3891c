// The worklist's endpoints (issue 18 parts 1 and 3), rows of route_table.cpp: the signed-in
// user's own settings (the page's language, kept on the server), the claim of an alert
// ("I am handling this") and notes on alerts and patients. Writes are audited by the store;
// claims and alert notes are alert events, so the SSE feed shows them to colleagues live.
// Claims and notes are authorised as acknowledge: clinician or admin rows, and an alert or
// patient of another team answers as nonexistent (404). Runs on the io thread; not thread-safe.
//
// 400 bad body (counted `api_bad_input`, the reason names the allowed values), 404, 409 (the
// claim's holder or the alert's state), 500 store error.
#pragma once

#include <variant>

#include "server/http/route_table.h"

namespace kotona::server::http {

// GET /api/v1/me -> {user, role, team, teams: [{id, name (null: none), patients (its config
// line's)}] (the caller's team; an admin's: all), language (null: not chosen), alert_sound
// (a new high alert plays a sound: true unless turned off), alert_notify (and raises a desktop
// notification: false until turned on)}.
Routed show_me(const Call& call);
// PUT /api/v1/me {"language": "fi"|"sv"|"en"|null, "alert_sound": bool|null, "alert_notify":
// bool|null}, any of them (null: back to the default) -> 200 as GET; audited `settings.update`.
Routed update_me(const Call& call);
// POST /api/v1/alerts/claim|unclaim {"alert_id"} -> 200 alert (claimed_by, claimed_at); 409
// when another user holds the claim, the alert is resolved (claim), or the caller holds none
// (unclaim).
Routed claim_alert(const Call& call);
Routed unclaim_alert(const Call& call);
// GET /api/v1/alerts/notes?alert_id= -> 200 [{id, author, text, at}], oldest first.
// POST /api/v1/alerts/notes {"alert_id","text"} -> 200 alert (its `notes` count).
Routed list_alert_notes(const Call& call);
Routed add_alert_note(const Call& call);
// GET /api/v1/patients/{id}/notes -> 200 [notes]; POST {"text"} -> 201 note. 404: not
// registered, or another team's.
Routed list_patient_notes(const Call& call);
Routed add_patient_note(const Call& call);

// The patient {id} of the path when registered and the caller may see it; else the answer:
// 404 (not registered, or another team's, hidden()), 400 (bad id) or 500.
std::variant<PatientId, Response> visible_patient(const Call& call);

}  // namespace kotona::server::http
