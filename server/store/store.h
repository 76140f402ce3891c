// Store: the server's SQLite database (WAL, synchronous=FULL) — enrolment, readings, alerts,
// quarantine, gateway status. store_batch() is the ingest path: one transaction per batch,
// reading and its alerts together (invariant 7). Not thread-safe: owned by the io thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "server/alerts/quarantine_alerts.h"
#include "server/alerts/rules.h"
#include "server/alerts/technical.h"
#include "server/store/database.h"
#include "server/store/quarantine_types.h"
#include "server/store/types.h"

namespace kotona::server::store {

class Store {
 public:
  // Opens or creates the database and its schema: `location` is an SQLite file path or a
  // PostgreSQL URI (database.h). Errors: kIo.
  [[nodiscard]] static Result<std::unique_ptr<Store>> open(const std::string& location);

  // Validates identity (topic vs payload, invariant 5) and enrolment, inserts new readings and
  // their alerts, quarantines the rest, all in ONE transaction. Errors: kIo when the
  // transaction does not commit; then nothing was stored and no ack may be sent.
  [[nodiscard]] Result<BatchOutcome> store_batch(const GatewayId& topic_gateway, const Batch& batch,
                                                 HubTime received);

  // Per-patient rule settings (config `rule` lines), by patient id; patients not listed get
  // the defaults. Used for every reading stored after the call.
  void set_rule_configs(std::map<std::string, alerts::RuleConfig> by_patient) {
    rule_configs_ = std::move(by_patient);
  }

  // Keeps an undecodable message (bad topic or payload) for post-mortems and raises its
  // technical alert (quarantine.undecodable / identity_mismatch, admins), one transaction.
  // `gateway`: the topic's hub, empty when it names none. Errors: kIo.
  [[nodiscard]] Result<QuarantineWrite> quarantine_payload(const std::string& topic,
                                                           const std::string& gateway,
                                                           const std::string& reason,
                                                           const std::string& payload,
                                                           HubTime received);
  // --- Quarantine (quarantine_store.cpp, issue 13) ---
  void set_quarantine_limits(const QuarantineLimits& limits) { quarantine_limits_ = limits; }
  // Newest first, at most `limit`. Errors: kIo.
  [[nodiscard]] Result<std::vector<QuarantineItem>> quarantined(const QuarantineFilter& filter,
                                                                int limit);
  [[nodiscard]] Result<std::optional<QuarantineItem>> quarantine_item(std::int64_t id);
  // Ingests a not_enrolled item once its device is enrolled: the reading is stored and its
  // rules evaluated (like store_batch), the item marked released and an audit row written
  // ("quarantine_release", subject "quarantine/ID"), all in ONE transaction. A second release
  // is kConflict; a reading already stored (re-sent after enrolment) is found a duplicate and
  // nothing more is stored. Errors: kIo (nothing changed).
  [[nodiscard]] Result<ReleaseOutcome> release_quarantined(std::int64_t id,
                                                           const std::string& actor, HubTime now);
  // Deletes items past the age limit (every hub), counts and alerts the held ones among them.
  [[nodiscard]] Result<QuarantineWrite> enforce_quarantine_limits(HubTime now);

  // Seeds config `enrol` lines, idempotently: an open enrolment for the same gateway+device
  // and patient is kept; one for another patient is closed now and the new one opens now.
  // A device seen for the first time is enrolled from the epoch. A device the API manages
  // (its newest binding made by enrol_device(), or ended) is left alone: returns those lines
  // that disagree with it, for the caller to log. Errors: kIo.
  [[nodiscard]] Result<std::vector<Enrolment>> seed_enrolment(const std::vector<Enrolment>& lines,
                                                              HubTime now);
  // Adds one enrolment row as given (tests, admin tools). Errors: kIo.
  [[nodiscard]] Result<void> add_enrolment(const Enrolment& enrolment);

  // --- Patient register and enrolment history (enrolment_store.cpp). Each write commits its
  // audit row (actor, action, subject "patient/ID" or "enrolment/N"; never a henkilötunnus)
  // in the same transaction. Errors: kIo (nothing changed).
  // Creates (`create`; kConflict when the id exists) or replaces (kNotFound when missing) a
  // register row. kConflict when another patient has the same henkilötunnus.
  [[nodiscard]] Result<PatientWrite> put_patient(const PatientRecord& patient, bool create,
                                                 const std::string& actor, HubTime now);
  [[nodiscard]] Result<std::optional<PatientRecord>> patient_record(const PatientId& id);
  // By patient id, at most `limit`.
  [[nodiscard]] Result<std::vector<PatientRecord>> patient_records(int limit);
  // The registered patients of care team `team` (they join the team's config `team` line).
  [[nodiscard]] Result<std::set<std::string>> team_patients(const std::string& team);
  // Binds the device (gateway + serial) to a registered patient from `binding.valid_from`,
  // open-ended, closing the device's open binding at that instant ("device moved"): readings
  // measured before it stay the old patient's. kNotFound: patient not registered. kConflict:
  // already bound to that patient, a binding of the device starts at/after valid_from or a
  // closed one ends after it, or readings of the device measured at/after valid_from are
  // already stored for another patient (stored readings are never re-attributed).
  [[nodiscard]] Result<EnrolmentWrite> enrol_device(const Enrolment& binding,
                                                    const std::string& actor, HubTime now);
  // Ends binding `id` at `at`. kNotFound; kConflict when already ended, `at` is before its
  // start, or readings it attributed were measured at/after `at`.
  [[nodiscard]] Result<EnrolmentWrite> end_enrolment(std::int64_t id, HubTime at,
                                                     const std::string& actor, HubTime now);
  // Bindings matching `filter`, newest valid_from first, at most `limit`.
  [[nodiscard]] Result<std::vector<EnrolmentRecord>> enrolments(const EnrolmentFilter& filter,
                                                                int limit);
  [[nodiscard]] Result<std::optional<EnrolmentRecord>> enrolment(std::int64_t id);

  [[nodiscard]] Result<void> upsert_gateway_status(const GatewayStatusRow& row);

  // Newest first (by creation), at most `limit`, optionally filtered.
  [[nodiscard]] Result<std::vector<StoredAlert>> recent_alerts(int limit,
                                                               const AlertFilter& filter = {});
  [[nodiscard]] Result<std::optional<StoredAlert>> alert(const AlertId& id);
  // Alert events with event_id > after, ascending, at most `limit`: each is the alert's
  // current state with that event's id and change (SSE replay, invariant 8).
  [[nodiscard]] Result<std::vector<StoredAlert>> alerts_after(std::int64_t after, int limit);
  // The highest committed event_id, 0 when there is none. Ids become visible in id order:
  // every event write runs under the write lock (BEGIN IMMEDIATE, README.md), so a reader
  // that sees id N also sees every lower id that will ever commit. Errors: kIo.
  [[nodiscard]] Result<std::int64_t> last_event_id();

  // --- Alert lifecycle (alert_lifecycle.cpp). Each action commits the alert's new state, its
  // event and its audit row (invariant 9) in ONE transaction. Errors: kIo (nothing changed).
  // open -> acknowledged; stops escalation. kWrongState unless open.
  [[nodiscard]] Result<ActionOutcome> acknowledge(const AlertId& id, const std::string& actor,
                                                  const std::string& note, HubTime now);
  // open or acknowledged -> resolved; stops escalation. kWrongState when already resolved.
  [[nodiscard]] Result<ActionOutcome> resolve(const AlertId& id, const std::string& actor,
                                              const std::string& note, HubTime now);
  // Applies to alerts raised after the call (their deadline rows).
  void set_escalation_policy(const EscalationPolicy& policy) { escalation_ = policy; }
  // Escalates every open alert whose deadline passed (one tier, audit row, event; the next
  // deadline row if below max tier), one transaction. Returns the escalated alerts.
  [[nodiscard]] Result<std::vector<StoredAlert>> escalate_due(HubTime now);
  // --- Audit log (audit.cpp): append-only, SHA-256 hash chain.
  [[nodiscard]] Result<std::vector<AuditRow>> audit_rows(const std::optional<AlertId>& alert,
                                                         int limit);
  // Recomputes the chain: a modified, deleted, inserted or reordered row breaks it.
  [[nodiscard]] Result<AuditVerdict> verify_audit();
  // The newest `limit` readings by arrival (seq), optionally one patient's, returned oldest
  // first (issue 15: it used to be the oldest `limit`).
  [[nodiscard]] Result<std::vector<StoredReading>> readings(const std::optional<PatientId>& patient,
                                                            int limit);
  [[nodiscard]] Result<std::optional<GatewayStatusRow>> gateway_status(const GatewayId& gateway);
  // --- FHIR export (patient_queries.cpp) ---
  // The patient's readings measured in [from, to) (to absent: no upper bound), ascending
  // measured time, at most `limit`. Errors: kIo.
  [[nodiscard]] Result<std::vector<StoredReading>> readings_measured_between(
      const PatientId& patient, HubTime from, std::optional<HubTime> to, int limit);
  // True when the patient is registered, has an enrolment (past or present) or a reading.
  [[nodiscard]] Result<bool> has_patient(const PatientId& patient);
  // The backend's plan of readings_measured_between()'s query, one line per plan row
  // (SQLite EXPLAIN QUERY PLAN, PostgreSQL EXPLAIN). Errors: kIo.
  [[nodiscard]] Result<std::string> range_query_plan_for_test(const PatientId& patient);
  // --- Technical alerts (technical_store.cpp) ---
  // Every gateway heard from or enrolled, with its last heartbeat and current patients.
  [[nodiscard]] Result<std::vector<alerts::GatewayView>> gateway_views(HubTime now);
  // Server receive time of the newest reading of that device; nullopt if none.
  [[nodiscard]] Result<std::optional<HubTime>> last_reading_received(const GatewayId& gateway,
                                                                     const DeviceSerial& serial);
  // The patient the device is enrolled to at `now`.
  [[nodiscard]] Result<std::optional<PatientId>> patient_now(const GatewayId& gateway,
                                                             const DeviceSerial& serial,
                                                             HubTime now);
  // Measured time of the patient's newest reading of `kind` ("inr", ...); nullopt if none.
  [[nodiscard]] Result<std::optional<HubTime>> last_measured(const PatientId& patient,
                                                             std::string_view kind);
  // Inserts the drafts in one transaction; a draft whose alert id exists (same episode) is
  // skipped. Returns the new ones, ascending event_id. Errors: kIo (nothing inserted).
  [[nodiscard]] Result<std::vector<StoredAlert>> insert_technical_alerts(
      const std::vector<alerts::TechnicalDraft>& drafts, HubTime now);
  // Last value of an external counter the server has acted on (e.g. the broker's dropped
  // messages), surviving restarts.
  [[nodiscard]] Result<std::optional<std::uint64_t>> seen_counter(std::string_view name);
  [[nodiscard]] Result<void> set_seen_counter(std::string_view name, std::uint64_t value);

  // One small write transaction (readiness, server/http/health.h): succeeds only when the
  // store accepts and commits a write. Errors: kIo.
  [[nodiscard]] Result<void> probe_write(HubTime now);

  // "sqlite" or "postgresql".
  std::string_view backend() const { return db_->backend(); }

  // Row counts, for tests and diagnostics. Errors: kIo.
  [[nodiscard]] Result<std::int64_t> count_rows(std::string_view table);

 private:
  explicit Store(std::unique_ptr<Database> db) : db_(std::move(db)) {}
  struct Txn;  // store_txn.h
  struct Row;  // store_txn.h: a reading admitted for its row
  // store_batch.cpp: one reading through admit() and store_rows().
  [[nodiscard]] Result<ReadingOutcome> store_one(Txn& txn, const Reading& reading);
  // Identity and enrolment: the Row to insert, or the outcome of a reading held in quarantine.
  [[nodiscard]] Result<std::variant<ReadingOutcome, Row>> admit(Txn& txn, const Reading& reading);
  // Inserts `rows` (multi-row INSERTs) and finishes each in order (alerts, or duplicate /
  // conflict). REQUIRES: no uid twice in `rows`; only the last may be a weight (weight_trend
  // reads the weights stored before it).
  [[nodiscard]] Result<std::vector<ReadingOutcome>> store_rows(Txn& txn,
                                                               const std::vector<Row>& rows);
  // Inserts the rows; per row, false when its uid was
  // already stored (nothing written). REQUIRES: no uid twice in `rows`.
  [[nodiscard]] Result<std::vector<bool>> insert_readings(Txn& txn, std::span<const Row> rows);
  // insert_readings() for one reading.
  [[nodiscard]] Result<bool> insert_reading(Txn& txn, const Reading& reading,
                                            const PatientId& patient);
  [[nodiscard]] Result<void> insert_alerts(Txn& txn, const Reading& reading,
                                           const PatientId& patient);
  [[nodiscard]] Result<void> raise_implausible(Txn& txn, const Reading& reading,
                                               const PatientId& patient);
  [[nodiscard]] Result<std::vector<StoredAlert>> raise_unrepresentable(
      const GatewayId& gateway, const RejectedReading& rejected, HubTime received);
  [[nodiscard]] Result<std::vector<alerts::AlertDraft>> weight_trend(const Reading& reading,
                                                                     const PatientId& patient,
                                                                     const alerts::RuleConfig& c);
  // Raises `alert`, grouping it into an open alert of the same patient, rule, priority and
  // `group_subject` ("" for clinical rules; the device, hub or "broker" for technical ones),
  // writing its event and escalation deadline. nullopt when its alert id exists.
  // REQUIRES: inside a transaction.
  [[nodiscard]] Result<std::optional<StoredAlert>> raise_alert(StoredAlert alert,
                                                               const std::string& group_subject);
  // raise_alert() for a technical draft (grouped by its subject); a new alert is appended to
  // `out`. `reading` names the reading it is about, if any. REQUIRES: inside a transaction.
  [[nodiscard]] Result<void> raise_technical(const alerts::TechnicalDraft& draft, HubTime created,
                                             const ReadingUid& reading,
                                             std::vector<StoredAlert>& out);
  [[nodiscard]] Result<std::optional<AlertId>> open_group(const StoredAlert& alert,
                                                          const std::string& group_subject);
  [[nodiscard]] Result<std::int64_t> add_event(const AlertId& id, std::string_view change,
                                               HubTime at);
  [[nodiscard]] Result<void> append_audit(const AuditRow& row);
  [[nodiscard]] Result<ActionOutcome> act(const AlertId& id, AlertAction action,
                                          const std::string& actor, const std::string& note,
                                          HubTime now);
  [[nodiscard]] Result<std::optional<StoredAlert>> escalate_one(const AlertId& id,
                                                                std::int64_t tier, HubTime now);
  // Escalation deadlines: rows (invariant 7), written in the alert's transaction.
  [[nodiscard]] Result<void> put_deadline(const AlertId& id, std::int64_t tier, HubTime due);
  [[nodiscard]] Result<void> drop_deadline(const AlertId& id);
  [[nodiscard]] Result<void> migrate();
  [[nodiscard]] Result<std::vector<EnrolmentRecord>> device_bindings(const GatewayId& gateway,
                                                                     const DeviceSerial& serial);
  // How many stored readings of the device were measured at/after `from`.
  [[nodiscard]] Result<std::int64_t> readings_from(const GatewayId& gateway,
                                                   const DeviceSerial& serial, HubTime from);
  [[nodiscard]] Result<std::vector<PatientId>> patients_on(const GatewayId& gateway, HubTime now);
  [[nodiscard]] Result<std::optional<PatientId>> patient_for(const GatewayId& gateway,
                                                             const Reading& reading);
  // patient_for() through the transaction's copy of the device's bindings (one query per
  // device and transaction).
  [[nodiscard]] Result<std::optional<PatientId>> patient_in(Txn& txn, const Reading& reading);
  // uid_conflict.cpp: the reading's uid is stored already. The same content is DUPLICATE;
  // different content is stored under a derived uid, flagged, evaluated by the rules, with a
  // reading.uid_conflict technical alert (issue 13).
  [[nodiscard]] Result<ReadingOutcome> same_or_conflict(Txn& txn, const Reading& reading,
                                                        const PatientId& patient);
  [[nodiscard]] Result<void> raise_uid_conflict_alert(Txn& txn,
                                                      const alerts::UidConflict& conflict);
  [[nodiscard]] Result<void> insert_quarantine(HubTime received, const std::string& topic,
                                               const std::string& reason,
                                               const std::string& reading_uid,
                                               const std::string& payload);
  // The same, with the hub (topic gateway) and device the item belongs to, for the per-hub
  // cap, the listing and the alert; a held item of the same uid and reason is not added again.
  [[nodiscard]] Result<void> insert_quarantine(HubTime received, const QuarantineItem& item,
                                               const std::string& payload);
  // Quarantine alerts for what this batch quarantined, and the per-hub cap (quarantine_store.cpp).
  // REQUIRES: inside the batch's transaction.
  [[nodiscard]] Result<void> after_quarantine(Txn& txn, const Batch& batch);
  [[nodiscard]] Result<void> raise_quarantine_alerts(const alerts::QuarantineEvent& event,
                                                     HubTime now, std::vector<StoredAlert>& out);
  [[nodiscard]] Result<std::int64_t> evict_over_cap(const std::string& gateway);
  [[nodiscard]] Result<void> migrate_quarantine();

  std::unique_ptr<Database> db_;
  std::map<std::string, alerts::RuleConfig> rule_configs_;
  EscalationPolicy escalation_;
  QuarantineLimits quarantine_limits_;
  // Used ONLY by the negative-control build KOTONA_BROKEN=in_memory_escalation (deadlines in
  // memory, lost on restart); empty otherwise.
  std::map<std::string, std::pair<std::int64_t, HubTime>> memory_deadlines_;
};

// The instant a reading was measured: device time corrected by the clock offset when both
// are known, else hub receive time. Used for enrolment validity.
HubTime measured_time(const Reading& reading);
// The same instant for a stored row (equal to the row's measured_unix_ms column).
HubTime measured_time(const StoredReading& row);

}  // namespace kotona::server::store
