// The small routes of route_table.cpp: health, sign-in and sign-out, /metrics, the
// SSE stream grant, and the reading list (reading_routes.cpp). Each is a Handler
// (route_table.h): dispatch() has authenticated and authorised the caller. io thread only.
#pragma once

#include "server/http/route_table.h"

namespace kotona::server::http {

// GET /healthz, /healthz/live, /healthz/ready (health.h).
Routed serve_health(const Call& call);
// POST /api/v1/login -> a LoginGrant (login.h), or 400.
Routed serve_login_request(const Call& call);
// POST /api/v1/logout -> 200 {} (the caller's token ends).
Routed logout(const Call& call);
// POST /api/v1/users/{name}/logout -> 200 {"ended": N}: every token of that user ends.
Routed logout_user(const Call& call);
// GET /metrics -> Prometheus text (counters, and gauges such as sse_clients).
Routed metrics(const Call& call);
// GET /api/v1/stream[?last_event_id=N] -> a StreamGrant; 400 bad query or Last-Event-ID.
Routed open_stream(const Call& call);
// GET /api/v1/readings[?patient=&limit=] -> 200 the visible readings, a patient's by
// measured time, an admin's all by arrival (a care team: each of its patients in turn); with
// start/end[&after=] a patient's period by measured time as {readings, next} (reading_routes.cpp);
// 400 bad query; 500 store error.
Routed list_readings(const Call& call);

}  // namespace kotona::server::http
