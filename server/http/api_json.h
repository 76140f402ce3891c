// JSON shapes of the HTTP API (docs/contracts.md): alerts, readings, errors, metrics text.
// Pure; thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <string>

#include "server/store/types.h"

namespace kotona::server::http {

// {event_id, alert_id, reading_uid, patient_id, rule_id, priority, state, message, created_at,
//  threshold{...}}
boost::json::object alert_json(const store::StoredAlert& alert);
// {reading_uid, patient_id, gateway_id, device_serial, kind, values{...}, device_time,
//  hub_time, clock_offset_s, quality{...}}
boost::json::object reading_json(const store::StoredReading& reading);
// {"error": message}
std::string error_body(const std::string& message);
// "2026-11-22T10:15:00.123Z"
std::string iso8601(HubTime t);
// Prometheus text exposition: "# TYPE name counter\nname value\n" per counter.
std::string prometheus_text(const std::map<std::string, std::uint64_t>& counters);

}  // namespace kotona::server::http
