// GET /api/v1/record (issue 19 part 2), an admin-only row of route_table.cpp: the push to the
// patient record system as server/record's sender sees it (outbox counts, the failing
// episode, the newest dead letters with their OperationOutcome). Runs on the io thread.
#pragma once

#include "server/http/route_table.h"

namespace kotona::server::http {

// 200 {"enabled": true, "outbox": {...}, "failing_since_unix_ms", "last_failure", "dead_letters":
// [...]};
// {"enabled": false} when no record_endpoint is configured (the page asks without a 404);
// 500 store error.
Routed show_record(const Call& call);

}  // namespace kotona::server::http
