// JSON shapes of the HTTP API (docs/contracts.md): alerts, readings, errors, metrics text.
// Pure; thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <map>
#include <string>

#include "server/store/types.h"

namespace kotona::server::http {

// {event_id, change, alert_id, reading_uid, patient_id, rule_id, priority, state, message,
//  created_at, threshold{...}, crossings, last_reading_uid, last_message, last_at, acked_by,
//  acked_at, ack_note, resolved_by, resolved_at, resolve_note, escalation_tier,
//  escalation_due, claimed_by, claimed_at, notes (how many)} (absent times and empty names
//  are null)
boost::json::object alert_json(const store::StoredAlert& alert);
// {id, author, text, at}: a note on an alert or a patient.
boost::json::object note_json(const store::Note& note);
// {seq, at, actor, action, alert_id, detail, prev_hash, hash}
boost::json::object audit_json(const store::AuditRow& row);
// {ok, rows, first_bad_seq, reason} (first_bad_seq and reason null when ok)
boost::json::object audit_verdict_json(const store::AuditVerdict& verdict);
// {reading_uid, patient_id, gateway_id, device_serial, kind, values{...}, device_time,
//  hub_time, clock_offset_s, quality{...}}
boost::json::object reading_json(const store::StoredReading& reading);
// {patient_id, henkilotunnus_masked ("131052-****"), age_years (on `today`, from the code's
// birth date), display_name, team, created_at, updated_at} (absent: null); the full
// henkilotunnus only when `full_henkilotunnus` (admins: issue 18 part 2, staff see it masked).
boost::json::object patient_json(const store::PatientRecord& patient, bool full_henkilotunnus,
                                 std::chrono::year_month_day today);
// {id, gateway_id, device_serial, patient_id, valid_from, valid_to (null: open), source}
boost::json::object enrolment_json(const store::EnrolmentRecord& enrolment);
// {"error": message}
std::string error_body(const std::string& message);
// "2026-11-22T10:15:00.123Z"
std::string iso8601(HubTime t);
// Prometheus text exposition: "# TYPE name counter\nname value\n" per counter, then
// "# TYPE name gauge\n..." per gauge (a value that also goes down, e.g. sse_clients).
std::string prometheus_text(const std::map<std::string, std::uint64_t>& counters,
                            const std::map<std::string, std::uint64_t>& gauges = {});

}  // namespace kotona::server::http
