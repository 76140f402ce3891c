// Value types at the store's boundary: the decoded batch it takes (produced by the ingest
// codec), the per-reading dispositions it returns, and the rows the HTTP API reads.
// Regular value types; thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/ids.h"
#include "core/reading.h"
#include "core/result.h"
#include "server/alerts/rules.h"

namespace kotona::server::store {

// A reading the codec could not accept (schema, ids, units, times); kept in quarantine.
struct RejectedReading {
  std::string reading_uid;  // as sent; may be empty (then it cannot be acked)
  Error error;
  std::string payload;  // the reading's own encoded bytes
};

struct Batch {
  GatewayId gateway;  // as the payload claims it; checked against the topic
  std::uint64_t batch_id = 0;
  std::vector<Reading> readings;
  std::vector<RejectedReading> rejected;
};

// kConflict: the uid is already stored with a different measurement or device time (a meter
// whose record numbers restarted, or a forged reading that came first). The new reading is
// stored under a derived uid (ReadingOutcome::stored_as), flagged uid_conflict, evaluated by
// the rules and named in a reading.uid_conflict technical alert; acked as stored. Only when
// the derived uid is taken by yet other content (a hash collision) is it kQuarantined.
enum class Disposition { kStored, kDuplicate, kQuarantined, kRejected, kConflict };
std::string_view to_string(Disposition d);

struct ReadingOutcome {
  std::string reading_uid;  // as sent: the ack names it
  Disposition disposition = Disposition::kRejected;
  // Why it was quarantined or rejected ("not_enrolled", "identity_mismatch", "invalid", ...),
  // for the log line and the technical alert; not on the wire, so not part of equality.
  std::string reason = "";
  std::string stored_as = "";  // kConflict: the derived uid it is stored under
  friend bool operator==(const ReadingOutcome& a, const ReadingOutcome& b) {
    return a.reading_uid == b.reading_uid && a.disposition == b.disposition;
  }
};

// An alert's lifecycle state. The DB column and the API keep the text: "open",
// "acknowledged", "resolved" (to_string / parse_alert_state at those edges).
enum class AlertState { kOpen, kAcknowledged, kResolved };
std::string_view to_string(AlertState state);
std::optional<AlertState> parse_alert_state(std::string_view text);

// A clinician's lifecycle action; its audit_log `action` text is "ack" / "resolve".
enum class AlertAction { kAcknowledge, kResolve };
std::string_view to_string(AlertAction action);

// One alert as stored, with its lifecycle (open -> acknowledged -> resolved). Clinical alerts
// of the same patient, rule AND priority are grouped: while one is open, a new crossing adds
// to its `crossings` and `last_*` instead of opening another (a flood of medium alerts never
// hides a high one: priorities are never grouped together).
struct StoredAlert {
  // Newest event about this alert (alert_events): the SSE id of this state; ids increase
  // over every change of every alert (invariant 8).
  std::int64_t event_id = 0;
  AlertId alert_id;        // reading_uid + "#" + rule_id of its first crossing (invariant 7)
  ReadingUid reading_uid;  // the first crossing's reading
  PatientId patient;
  std::string rule_id;
  alerts::Priority priority = alerts::Priority::kLow;
  AlertState state = AlertState::kOpen;
  std::string message;
  std::string threshold_json;
  // What `message` says, as JSON (encode_alert_values_json): the page builds the sentence in
  // the reader's language from rule_id + these; "{}" for rows stored before issue 18.
  std::string values_json = "{}";
  HubTime created{};
  // The event: raised, grouped, acknowledged, resolved, escalated, claimed, unclaimed, noted.
  std::string change = "raised";
  std::int64_t crossings = 1;     // readings grouped into this alert
  ReadingUid last_reading_uid;    // the latest crossing's reading and message
  std::string last_message;
  std::string last_values_json = "{}";  // the latest crossing's values
  HubTime last_at{};
  std::string acked_by, ack_note;
  std::optional<HubTime> acked_at;
  std::string resolved_by, resolve_note;
  std::optional<HubTime> resolved_at;
  std::int64_t escalation_tier = 0;       // 0: not escalated; N: escalated N times
  std::optional<HubTime> escalation_due;  // the next escalation deadline, if any
  // Issue 18 part 3: who said "I am handling this" (empty: nobody) and since when; how many
  // notes the alert has (AlertBook::notes).
  std::string claimed_by;
  std::optional<HubTime> claimed_at;
  std::int64_t notes = 0;
};

// A clinician's note on an alert or a patient (issue 18 part 3), newest last. `subject` is
// "alert/<alert id>" or "patient/<patient id>", as in the audit log.
struct Note {
  std::int64_t id = 0;
  std::string subject;
  std::string author;
  std::string text;
  HubTime at{};
};

// Lifecycle actions (Store::acknowledge / resolve).
enum class ActionStatus { kDone, kNoSuchAlert, kWrongState };
struct ActionOutcome {
  ActionStatus status = ActionStatus::kNoSuchAlert;
  StoredAlert alert;  // the alert after the action (kDone, kWrongState)
};

// Which alerts a list returns; absent fields match everything.
struct AlertFilter {
  std::optional<alerts::Priority> priority;
  std::optional<AlertState> state;
  std::optional<PatientId> patient;
};

// Escalation of alerts not acknowledged in time (config escalate_*). A zero duration turns
// escalation off for that priority.
struct EscalationPolicy {
  std::chrono::seconds high_after{900};
  std::chrono::seconds medium_after{0};
  std::int64_t max_tier = 2;
};

// One row of the append-only audit log (hash-chained, see audit.h).
struct AuditRow {
  std::int64_t seq = 0;
  HubTime at{};
  std::string actor;   // clinician id, or "system" (escalation)
  std::string action;  // "ack", "resolve", "escalate"
  AlertId alert_id;
  std::string detail;  // note, or the escalation tier
  std::string prev_hash, hash;
};

struct AuditVerdict {
  bool ok = true;
  std::int64_t rows = 0;
  std::int64_t first_bad_seq = 0;  // 0 when ok
  std::string reason;              // empty when ok
};

struct BatchOutcome {
  std::vector<ReadingOutcome> readings;  // one per uid, in batch order
  // Alerts raised or grouped (change "raised" / "grouped") by this batch, ascending event_id.
  std::vector<StoredAlert> new_alerts;
  // Quarantined items of this hub deleted by the per-hub cap (issue 13; alerted).
  std::int64_t quarantine_evicted = 0;
};

// One message of a group commit (ReadingLedger::store_batches): the batch, the hub its topic named and
// when it arrived.
struct GroupedBatch {
  GatewayId topic_gateway;
  Batch batch;
  HubTime received{};
};

struct StoredReading {
  ReadingUid uid;
  PatientId patient;
  GatewayId gateway;
  DeviceSerial device_serial;
  std::string kind;
  std::optional<DeviceTime> device_time;
  HubTime hub_time{};
  std::optional<std::chrono::seconds> clock_offset;
  std::string values_json;
  std::string quality_json;
  Provenance provenance;  // column provenance_json; NULL (device, older rows) -> default
};

struct Enrolment {
  GatewayId gateway;
  DeviceSerial device_serial;
  PatientId patient;
  HubTime valid_from{};
  std::optional<HubTime> valid_to;  // open-ended when absent
};

// One binding of the enrolment history (Store::enrolments): id, the binding, and who made it
// ("config": an `enrol` line; "api": the HTTP API / kotona-admin).
struct EnrolmentRecord {
  std::int64_t id = 0;
  Enrolment binding;
  std::string source;
};

// Which bindings a list returns; absent fields match everything.
struct EnrolmentFilter {
  std::optional<PatientId> patient;
  std::optional<GatewayId> gateway;
  std::optional<DeviceSerial> device_serial;
};

// One row of the patient register. `henkilotunnus` is sensitive: never logged, never put in
// the audit log; it was checked by parse_henkilotunnus() before it reached the store.
struct PatientRecord {
  PatientId id;
  std::optional<std::string> henkilotunnus;
  std::optional<std::string> display_name;
  std::optional<std::string> team;  // the care team that sees this patient (auth `team`)
  HubTime created{}, updated{};
  // The patient's own language, "fi", "sv" or "ru" (checked at the API): the FHIR narrative
  // (Swedish for "sv", else Finnish: Kanta's languages) and what the patient reads.
  std::optional<std::string> language;
};

// Register and enrolment writes (enrolment_store.cpp). kNotFound: no such patient/binding;
// kConflict: the write contradicts what is stored (`why` says what, without health data).
enum class WriteStatus { kDone, kNotFound, kConflict };
struct PatientWrite {
  WriteStatus status = WriteStatus::kNotFound;
  std::string why;
  PatientRecord patient;  // as stored after the write (kDone)
};
struct EnrolmentWrite {
  WriteStatus status = WriteStatus::kNotFound;
  std::string why;
  EnrolmentRecord enrolment;              // the new or ended binding (kDone)
  std::optional<EnrolmentRecord> closed;  // the device's previous binding, closed by a move
};

// The instant a reading was measured: device time corrected by the clock offset when both
// are known, else hub receive time. Used for enrolment validity.
HubTime measured_time(const Reading& reading);
// The same instant for a stored row (equal to the row's measured_unix_ms column).
HubTime measured_time(const StoredReading& row);

struct GatewayStatusRow {
  GatewayId gateway;
  HubTime last_seen{};
  std::uint64_t outbox_depth = 0;
  std::string status_json;
};

}  // namespace kotona::server::store
