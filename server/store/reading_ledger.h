// ReadingLedger: where every reading that reaches the server ends up (issue 16): stored
// (readings) or held (quarantine), never lost. store_batch() is the ingest path: identity
// (invariant 5), enrolment at measured time, multi-row INSERT, duplicate / uid conflict, the
// reading's alerts (through AlertBook) and quarantine with its alerts, in ONE transaction
// (invariant 7). Borrows the store's Database and stages; not thread-safe: io thread only.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "server/alerts/quarantine_alerts.h"
#include "server/store/alert_book.h"
#include "server/store/audit.h"
#include "server/store/database.h"
#include "server/store/patient_register.h"
#include "server/store/quarantine_types.h"
#include "server/store/technical_store.h"
#include "server/store/types.h"

namespace kotona::server::store {

class ReadingLedger {
 public:
  ReadingLedger(Database& db, AlertBook& alert_book, AuditLog& audit_log, PatientRegister& patients,
                TechnicalStore& technical)
      : db_(db),
        alert_book_(alert_book),
        audit_log_(audit_log),
        patients_(patients),
        technical_(technical) {}
  ReadingLedger(const ReadingLedger&) = delete;
  ReadingLedger& operator=(const ReadingLedger&) = delete;

  // Validates identity (topic vs payload) and enrolment, inserts new readings and their
  // alerts, quarantines the rest, all in ONE transaction. Errors: kIo when the transaction
  // does not commit; then nothing was stored and no ack may be sent.
  [[nodiscard]] Result<BatchOutcome> store_batch(const GatewayId& topic_gateway, const Batch& batch,
                                                 HubTime received);
  // Group commit (issue 15, store_group.cpp): every batch as store_batch() would store it, all
  // in ONE transaction; when the database refuses a batch, the group is stored again with a
  // savepoint per batch, so that batch is rolled back alone and the others are kept. One outcome
  // per batch, in order (the refused ones: their error; nothing of them stored, so no ack). Errors:
  // kIo when the transaction does not commit; then nothing of any batch was stored and no ack may
  // be sent.
  [[nodiscard]] Result<std::vector<Result<BatchOutcome>>> store_batches(
      std::span<const GroupedBatch> group);

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
  // Whether a stored reading gets its record-outbox row (issue 19; record_outbox.h). On only
  // when the push to the record system is configured (the server: `record_endpoint` set);
  // off, nothing is queued, and readings stored while it is off are never pushed
  // (docs/contracts.md "Push to the record system"). Off by default.
  void set_record_push(bool on) { record_push_ = on; }
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

  // The newest `limit` readings, returned oldest first (issue 15: it used to be the oldest
  // `limit`): one patient's by measured time, everyone's (patient absent) by arrival (seq).
  [[nodiscard]] Result<std::vector<StoredReading>> readings(const std::optional<PatientId>& patient,
                                                            int limit);
  // --- FHIR export (patient_queries.cpp) ---
  // The patient's readings measured in [from, to) (to absent: no upper bound), ascending
  // measured time, at most `limit`. Errors: kIo.
  [[nodiscard]] Result<std::vector<StoredReading>> readings_measured_between(
      const PatientId& patient, HubTime from, std::optional<HubTime> to, int limit);
  // The backend's plan of readings_measured_between()'s query, one line per plan row
  // (SQLite EXPLAIN QUERY PLAN, PostgreSQL EXPLAIN). Errors: kIo.
  [[nodiscard]] Result<std::string> range_query_plan_for_test(const PatientId& patient);

 private:
  struct Txn;  // store_txn.h
  struct Row;  // store_txn.h: a reading admitted for its row
  // store_batch()'s work inside a transaction the caller opened and commits.
  // store_batches' second attempt, after a batch was refused: a savepoint per batch.
  [[nodiscard]] Result<std::vector<Result<BatchOutcome>>> store_batches_one_by_one(
      std::span<const GroupedBatch> group);
  [[nodiscard]] Result<BatchOutcome> store_batch_in_transaction(const GatewayId& topic_gateway,
                                                                const Batch& batch,
                                                                HubTime received);
  // store_batch.cpp: one reading through admit() and store_rows().
  [[nodiscard]] Result<ReadingOutcome> store_one(Txn& txn, const Reading& reading);
  // Identity and enrolment: the Row to insert, or the outcome of a reading held in quarantine.
  [[nodiscard]] Result<std::variant<ReadingOutcome, Row>> admit(Txn& txn, const Reading& reading);
  // Inserts `rows` (multi-row INSERTs) and finishes each in order (alerts, or duplicate /
  // conflict). REQUIRES: no uid twice in `rows`; only the last may be a weight (weight_trend
  // reads the weights stored before it).
  [[nodiscard]] Result<std::vector<ReadingOutcome>> store_rows(Txn& txn,
                                                               const std::vector<Row>& rows);
  // Inserts the rows; per row, false when its uid was already stored (nothing written).
  // REQUIRES: no uid twice in `rows`.
  [[nodiscard]] Result<std::vector<bool>> insert_readings(Txn& txn, std::span<const Row> rows);
  [[nodiscard]] Result<void> note_devices_received(const Txn& txn, std::span<const Row> rows,
                                                   const std::vector<bool>& inserted);
  [[nodiscard]] Result<std::optional<PatientId>> patient_for(const GatewayId& gateway,
                                                             const Reading& reading);
  // patient_for() through the transaction's copy of the device's bindings (one query per
  // device and transaction).
  [[nodiscard]] Result<std::optional<PatientId>> patient_in(Txn& txn, const Reading& reading);
  // uid_conflict.cpp: the row's uid is stored already. The same content is DUPLICATE;
  // different content is stored under a derived uid, flagged, evaluated by the rules, with a
  // reading.uid_conflict technical alert (issue 13).
  [[nodiscard]] Result<ReadingOutcome> same_or_conflict(Txn& txn, const Row& row);
  [[nodiscard]] Result<void> raise_uid_conflict_alert(Txn& txn,
                                                      const alerts::UidConflict& conflict);
  // With the hub (topic gateway) and device the item belongs to, for the per-hub cap, the
  // listing and the alert; a held item of the same uid and reason is not added again.
  [[nodiscard]] Result<void> insert_quarantine(HubTime received, const QuarantineItem& item,
                                               const std::string& payload);
  // Quarantine alerts for what this batch quarantined, and the per-hub cap (quarantine_store.cpp).
  // REQUIRES: inside the batch's transaction.
  [[nodiscard]] Result<void> after_quarantine(Txn& txn, const Batch& batch);
  [[nodiscard]] Result<void> raise_quarantine_alerts(const alerts::QuarantineEvent& event,
                                                     HubTime now, std::vector<StoredAlert>& out);
  [[nodiscard]] Result<std::int64_t> evict_over_cap(const std::string& gateway);

  // Enrolment history by "gateway\ndevice serial", read once per group transaction
  // (store_batches sets it for the group's duration; patient_in).
  std::map<std::string, std::vector<EnrolmentRecord>>* group_bindings_ = nullptr;
  Database& db_;
  AlertBook& alert_book_;
  AuditLog& audit_log_;
  PatientRegister& patients_;
  TechnicalStore& technical_;
  QuarantineLimits quarantine_limits_;
  bool record_push_ = false;
};

}  // namespace kotona::server::store
