#include "server/store/store.h"

#include "core/crash_point.h"
#include "server/alerts/rules.h"
#include "server/store/reading_json.h"

namespace kotona::server::store {

namespace {

#ifdef KOTONA_BROKEN_NO_UNIQUE_KEY
// NEGATIVE CONTROL ONLY (cmake -DKOTONA_BROKEN=no_unique_key): readings without the unique
// reading_uid, inserted blindly, so every redelivery is stored again. tests/reliability must
// report duplicates against this build.
#define KOTONA_READING_UID_UNIQUE ""
#define KOTONA_READING_UID_ON_CONFLICT ""
#else
#define KOTONA_READING_UID_UNIQUE "UNIQUE"
#define KOTONA_READING_UID_ON_CONFLICT "ON CONFLICT(reading_uid) DO NOTHING"
#endif

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS enrolment(
  gateway_id TEXT NOT NULL, device_serial TEXT NOT NULL, patient_id TEXT NOT NULL,
  valid_from_unix_ms INTEGER NOT NULL, valid_to_unix_ms INTEGER NULL);
CREATE INDEX IF NOT EXISTS enrolment_device ON enrolment(gateway_id, device_serial);
CREATE TABLE IF NOT EXISTS readings(
  seq INTEGER PRIMARY KEY, reading_uid TEXT NOT NULL )sql" KOTONA_READING_UID_UNIQUE R"sql(,
  patient_id TEXT NOT NULL,
  gateway_id TEXT NOT NULL, device_serial TEXT NOT NULL, kind TEXT NOT NULL,
  measured_unix_ms INTEGER NOT NULL, device_time_unix_s INTEGER NULL,
  hub_time_unix_ms INTEGER NOT NULL, clock_offset_s INTEGER NULL, values_json TEXT NOT NULL,
  quality_json TEXT NOT NULL, received_unix_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS readings_patient ON readings(patient_id, seq);
CREATE TABLE IF NOT EXISTS alerts(
  event_id INTEGER PRIMARY KEY AUTOINCREMENT, alert_id TEXT NOT NULL UNIQUE,
  reading_uid TEXT NOT NULL, patient_id TEXT NOT NULL, rule_id TEXT NOT NULL,
  priority TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'open', message TEXT NOT NULL,
  threshold_json TEXT NOT NULL, created_unix_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS quarantine(
  id INTEGER PRIMARY KEY, received_unix_ms INTEGER NOT NULL, topic TEXT NOT NULL,
  reason TEXT NOT NULL, reading_uid TEXT NULL, payload BLOB);
CREATE INDEX IF NOT EXISTS readings_device ON readings(gateway_id, device_serial);
CREATE TABLE IF NOT EXISTS counters_seen(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS gateway_status(
  gateway_id TEXT PRIMARY KEY, last_seen_unix_ms INTEGER NOT NULL,
  outbox_depth INTEGER NOT NULL, status_json TEXT NOT NULL);
)sql";

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }

std::string readings_topic(const GatewayId& gateway) {
  return "kotona/v1/gw/" + gateway.value + "/readings";
}

// Rolls back unless committed: every early return leaves the database as it was.
class Transaction {
 public:
  explicit Transaction(Database& db) : db_(db) {}
  ~Transaction() {
    if (open_) (void)db_.exec("ROLLBACK");
  }
  [[nodiscard]] Result<void> begin() {
    auto r = db_.exec("BEGIN IMMEDIATE");
    open_ = r.has_value();
    return r;
  }
  [[nodiscard]] Result<void> commit() {
    auto r = db_.exec("COMMIT");
    if (r) open_ = false;
    return r;
  }

 private:
  Database& db_;
  bool open_ = false;
};

}  // namespace

std::string_view to_string(Disposition d) {
  switch (d) {
    case Disposition::kStored:
      return "stored";
    case Disposition::kDuplicate:
      return "duplicate";
    case Disposition::kQuarantined:
      return "quarantined";
    case Disposition::kRejected:
      return "rejected";
    case Disposition::kConflict:
      return "conflict";
  }
  return "rejected";
}

HubTime measured_time(const Reading& reading) {
  if (reading.device_time && reading.clock_offset) {
    auto corrected = *reading.device_time - *reading.clock_offset;
    return std::chrono::time_point_cast<std::chrono::milliseconds>(corrected);
  }
  return reading.hub_time;
}

struct Store::Txn {
  HubTime received;
  GatewayId topic_gateway;
  GatewayId batch_gateway;
  std::string topic;
  BatchOutcome outcome;
};

Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
  auto db = Database::open(path);
  if (!db) return fail(db.error());
  if (auto r = (*db)->exec(kSchema); !r) return fail(r.error());
  return std::unique_ptr<Store>(new Store(std::move(*db)));
}

Result<BatchOutcome> Store::store_batch(const GatewayId& topic_gateway, const Batch& batch,
                                        HubTime received) {
  Transaction transaction(*db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  Txn txn{received, topic_gateway, batch.gateway, readings_topic(topic_gateway), {}};
  for (const auto& reading : batch.readings) {
    auto outcome = store_one(txn, reading);
    if (!outcome) return fail(outcome.error());
    txn.outcome.readings.push_back(std::move(*outcome));
    crash_point("server.mid_transaction");
  }
  for (const auto& rejected : batch.rejected) {
    if (auto r = insert_quarantine(received, txn.topic, "invalid: " + describe(rejected.error),
                                   rejected.reading_uid, rejected.payload);
        !r) {
      return fail(r.error());
    }
    if (!rejected.reading_uid.empty()) {
      txn.outcome.readings.push_back({rejected.reading_uid, Disposition::kRejected});
    }
  }
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return std::move(txn.outcome);
}

Result<ReadingOutcome> Store::store_one(Txn& txn, const Reading& reading) {
  const GatewayId& topic_gateway = txn.topic_gateway;
  // Identity is the topic's (invariant 5): the payload may only repeat it.
  if (txn.batch_gateway != topic_gateway || reading.gateway != topic_gateway) {
    auto r = insert_quarantine(txn.received, txn.topic, "identity_mismatch", reading.uid.value,
                               encode_reading_json(reading));
    if (!r) return fail(r.error());
    return ReadingOutcome{reading.uid.value, Disposition::kQuarantined};
  }
  auto patient = patient_for(topic_gateway, reading);
  if (!patient) return fail(patient.error());
  if (!*patient) {
    auto r = insert_quarantine(txn.received, txn.topic, "not_enrolled", reading.uid.value,
                               encode_reading_json(reading));
    if (!r) return fail(r.error());
    return ReadingOutcome{reading.uid.value, Disposition::kQuarantined};
  }
  auto insert = db_->prepare(
      "INSERT INTO readings(reading_uid, patient_id, gateway_id, device_serial, kind, "
      "measured_unix_ms, device_time_unix_s, hub_time_unix_ms, clock_offset_s, values_json, "
      "quality_json, received_unix_ms) VALUES(?,?,?,?,?,?,?,?,?,?,?,?) "
      KOTONA_READING_UID_ON_CONFLICT);
  if (!insert) return fail(insert.error());
  std::optional<std::int64_t> device_s, offset_s;
  if (reading.device_time) device_s = reading.device_time->time_since_epoch().count();
  if (reading.clock_offset) offset_s = reading.clock_offset->count();
  insert->bind(1, reading.uid.value).bind(2, (*patient)->value).bind(3, topic_gateway.value);
  insert->bind(4, reading.device.serial.value).bind(5, kind_name(reading.measurement));
  insert->bind(6, ms(measured_time(reading))).bind(7, device_s).bind(8, ms(reading.hub_time));
  insert->bind(9, offset_s).bind(10, encode_values_json(reading.measurement));
  insert->bind(11, encode_quality_json(reading.quality)).bind(12, ms(txn.received));
  if (auto r = insert->step(); !r) return fail(r.error());
  if (db_->changes() == 0) return same_or_conflict(txn, reading, device_s);

  if (auto r = insert_alerts(txn, reading, **patient); !r) return fail(r.error());
  return ReadingOutcome{reading.uid.value, Disposition::kStored};
}

// A re-sent reading is a duplicate only if it says the same thing; otherwise two different
// measurements share a uid and the new one goes to quarantine rather than being dropped.
Result<ReadingOutcome> Store::same_or_conflict(Txn& txn, const Reading& reading,
                                               std::optional<std::int64_t> device_s) {
  auto stmt = db_->prepare(
      "SELECT values_json, IFNULL(device_time_unix_s, -1), device_serial FROM readings "
      "WHERE reading_uid = ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, reading.uid.value);
  auto row = stmt->step();
  if (!row) return fail(row.error());
  if (*row && stmt->column_text(0) == encode_values_json(reading.measurement) &&
      stmt->column_int(1) == device_s.value_or(-1) &&
      stmt->column_text(2) == reading.device.serial.value) {
    return ReadingOutcome{reading.uid.value, Disposition::kDuplicate};
  }
  auto r = insert_quarantine(txn.received, txn.topic, "uid_conflict", reading.uid.value,
                             encode_reading_json(reading));
  if (!r) return fail(r.error());
  return ReadingOutcome{reading.uid.value, Disposition::kConflict};
}

Result<void> Store::insert_alerts(Txn& txn, const Reading& reading, const PatientId& patient) {
  static const alerts::RuleConfig kDefaults;
  auto custom = rule_configs_.find(patient.value);
  const auto& config = custom == rule_configs_.end() ? kDefaults : custom->second;
  for (auto& draft : alerts::evaluate_rules(reading, patient, config)) {
    StoredAlert alert{0,
                      AlertId{reading.uid.value + "#" + draft.rule_id},
                      reading.uid,
                      patient,
                      draft.rule_id,
                      std::string(alerts::to_string(draft.priority)),
                      "open",
                      draft.message,
                      encode_threshold_json(draft.threshold),
                      txn.received};
    auto stmt = db_->prepare(
        "INSERT INTO alerts(alert_id, reading_uid, patient_id, rule_id, priority, state, "
        "message, threshold_json, created_unix_ms) VALUES(?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(alert_id) DO NOTHING");
    if (!stmt) return fail(stmt.error());
    stmt->bind(1, alert.alert_id.value).bind(2, alert.reading_uid.value);
    stmt->bind(3, alert.patient.value).bind(4, alert.rule_id).bind(5, alert.priority);
    stmt->bind(6, alert.state).bind(7, alert.message).bind(8, alert.threshold_json);
    stmt->bind(9, ms(alert.created));
    if (auto r = stmt->step(); !r) return fail(r.error());
    if (db_->changes() == 0) continue;
    alert.event_id = db_->last_insert_rowid();
    txn.outcome.new_alerts.push_back(std::move(alert));
  }
  return {};
}

Result<std::optional<PatientId>> Store::patient_for(const GatewayId& gateway,
                                                    const Reading& reading) {
  auto stmt = db_->prepare(
      "SELECT patient_id FROM enrolment WHERE gateway_id = ? AND device_serial = ? AND "
      "valid_from_unix_ms <= ? AND (valid_to_unix_ms IS NULL OR valid_to_unix_ms > ?) "
      "ORDER BY valid_from_unix_ms DESC LIMIT 1");
  if (!stmt) return fail(stmt.error());
  auto at = ms(measured_time(reading));
  stmt->bind(1, gateway.value).bind(2, reading.device.serial.value).bind(3, at).bind(4, at);
  auto row = stmt->step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<PatientId>{};
  return std::optional<PatientId>{PatientId{stmt->column_text(0)}};
}

Result<void> Store::insert_quarantine(HubTime received, const std::string& topic,
                                      const std::string& reason, const std::string& reading_uid,
                                      const std::string& payload) {
  auto stmt = db_->prepare(
      "INSERT INTO quarantine(received_unix_ms, topic, reason, reading_uid, payload) "
      "VALUES(?,?,?,?,?)");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, ms(received)).bind(2, topic).bind(3, reason);
  if (reading_uid.empty()) {
    stmt->bind(4, std::nullopt);
  } else {
    stmt->bind(4, reading_uid);
  }
  stmt->bind_blob(5, payload);
  auto r = stmt->step();
  if (!r) return fail(r.error());
  return {};
}

Result<void> Store::quarantine_payload(const std::string& topic, const std::string& reason,
                                       const std::string& payload, HubTime received) {
  return insert_quarantine(received, topic, reason, "", payload);
}

}  // namespace kotona::server::store
