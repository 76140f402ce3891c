// Quarantine endpoints (issue 13), admin-only rows of route_table.cpp (a path whose rows are
// all admin-only refuses everyone else, every method):
// the items ingest could not store, with reason and the decoded reading where there is one, and
// the release of a not_enrolled item once its device is enrolled (stored exactly once, rules
// included; audited by the store). Runs on the io thread; not thread-safe.
#pragma once

#include "server/http/route_table.h"

namespace kotona::server::http {

// GET /api/v1/quarantine[?gateway=&reason=&held=1&limit=N] -> {"items": [...]}, newest first;
// POST /api/v1/quarantine/{id}/release -> 200 {"item": ..., "alerts": [...]}; 400 bad input
// (counted api_bad_input), 404, 405, 409 (the store's reason: not releasable, already released,
// device still not enrolled), 500 store error.
Routed list_quarantine(const Call& call);
Routed release_quarantine(const Call& call);

}  // namespace kotona::server::http
