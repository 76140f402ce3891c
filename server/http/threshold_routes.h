// A patient's rule thresholds in the page (issue 18 part 5), rows of route_table.cpp. Read by
// the patient's care team; changed by a clinician of it (or an admin), validated as a config
// `rule` line, audited by the store and in force for the next reading on every server
// instance sharing the database (store/thresholds.h). A patient of another team answers as
// nonexistent (404). Runs on the io thread; not thread-safe.
#pragma once

#include "server/http/route_table.h"

namespace kotona::server::http {

// GET /api/v1/patients/{id}/thresholds -> 200 {patient_id, values: [{key, value (the one the
// rules use), default, source ("default" | "config" | "set"), set_by, set_at, stored (source
// "set": the stored text), in_force (false: the stored values are refused on the config seed),
// refusal ({error, code, key, value} as a PUT's 400, or null)}], history: [{id, key, before,
// after (null: seed or default), by, at}] newest first}. 404: not registered, or another team's.
Routed show_thresholds(const Call& call);
// PUT /api/v1/patients/{id}/thresholds {"values": {KEY: "2.5" | 2.5 | null (back to the seed or
// default), ...}} -> 200 as GET. 400 {error (the config parser's text), code ("number",
// "unknown", "inr", "glucose", "bp", "lead", "empty", "format"), key, value}: nothing changed
// (counted api_bad_input and thresholds_refused).
Routed update_thresholds(const Call& call);

}  // namespace kotona::server::http
