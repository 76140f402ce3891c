// Alert yield (issue 18 part 8), a row of route_table.cpp: per rule and per patient over the
// last 30 and 90 days, the alerts raised, how many of the resolved ones the clinician called
// clinically actionable, and the median time to acknowledge, so thresholds are tuned from
// evidence. Only the caller's care teams' patients count. Runs on the io thread.
#pragma once

#include <boost/json/object.hpp>
#include <vector>

#include "server/http/route_table.h"
#include "server/store/alert_book.h"

namespace kotona::server::http {

// GET /api/v1/yield -> 200 {windows: [{days: 30|90, rules: [{rule_id, raised, answered,
// actionable, share (actionable / answered, null: none answered), median_ack_s (raised to
// the acknowledgement, over those acknowledged; null: none), not_acked (raised, never
// acknowledged: still open, or resolved without one)}], patients: [{patient_id, ...the
// same}]}], truncated (true: over the cap, the oldest alerts left out)}, rows by raised.
Routed show_yield(const Call& call);

// The windows' figures from `facts` as of `now` (pure; exposed for tests).
boost::json::object yield_json(const std::vector<store::YieldFact>& facts, HubTime now);

}  // namespace kotona::server::http
