// Clinician alert endpoints (docs/contracts.md), rows of route_table.cpp: the filtered alert
// list, acknowledge and resolve (POST, JSON body), the audit log and its verification. Every
// committed change is published to the SSE hub. Runs on the io thread; not thread-safe.
#pragma once

#include "server/http/route_table.h"

namespace kotona::server::http {

// GET /api/v1/alerts[?priority=&state=&patient=&limit=] -> 200 array (newest first), only the
// caller's care teams' alerts (another team's patient: []); 400 bad query.
Routed list_alerts(const Call& call);
// POST /api/v1/alerts/ack|resolve {"alert_id","note"} -> 200 alert, acted by the signed-in
// user; 400 bad body, 404 unknown alert or another team's, 409 wrong state.
Routed acknowledge_alert(const Call& call);
Routed resolve_alert(const Call& call);
// GET /api/v1/audit[?alert=&limit=] -> 200 rows (newest first).
Routed list_audit(const Call& call);
// GET /api/v1/audit/verify -> 200 {"ok",...}.
Routed verify_audit(const Call& call);

}  // namespace kotona::server::http
