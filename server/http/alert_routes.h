// Clinician alert endpoints (docs/contracts.md): the filtered alert list, acknowledge and
// resolve (POST, JSON body), the audit log and its verification. Every committed change is
// published to the SSE hub. Runs on the io thread; not thread-safe.
#pragma once

#include <string_view>

#include "core/counters.h"
#include "server/http/routes.h"
#include "server/http/sse_hub.h"
#include "server/store/store.h"

namespace kotona::server::http {

// True for the paths handle_alert_request() answers.
bool is_alert_path(std::string_view path);

// GET /api/v1/alerts[?priority=&state=&patient=&limit=] -> 200 array (newest first);
// POST /api/v1/alerts/ack|resolve {"alert_id","by","note"} -> 200 alert, 400 bad body,
// 404 unknown alert, 409 wrong state; GET /api/v1/audit[?alert=&limit=] -> 200 rows (newest
// first); GET /api/v1/audit/verify -> 200 {"ok",...}. 405 for other methods, 500 store error.
Response handle_alert_request(const Request& request, std::string_view path, store::Store& store,
                              Counters& counters, SseHub& hub);

}  // namespace kotona::server::http
