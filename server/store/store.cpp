#include "server/store/store.h"

#include <set>

#include "core/crash_point.h"
#include "mqtt/topics.h"
#include "server/alerts/plausibility.h"
#include "server/alerts/rules.h"
#include "server/store/reading_json.h"
#include "server/store/store_txn.h"

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
  id INTEGER PRIMARY KEY, gateway_id TEXT NOT NULL, device_serial TEXT NOT NULL, patient_id TEXT NOT NULL,
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
CREATE INDEX IF NOT EXISTS readings_patient_measured ON readings(patient_id, measured_unix_ms, seq);
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
CREATE TABLE IF NOT EXISTS alert_events(
  event_id INTEGER PRIMARY KEY AUTOINCREMENT, alert_id TEXT NOT NULL, change TEXT NOT NULL,
  at_unix_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS escalation_deadlines(
  alert_id TEXT PRIMARY KEY, tier INTEGER NOT NULL, due_unix_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS escalation_due ON escalation_deadlines(due_unix_ms);
CREATE TABLE IF NOT EXISTS audit_log(
  seq INTEGER PRIMARY KEY, at_unix_ms INTEGER NOT NULL, actor TEXT NOT NULL,
  action TEXT NOT NULL, alert_id TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS patients(
  patient_id TEXT PRIMARY KEY, henkilotunnus TEXT NULL, display_name TEXT NULL, team TEXT NULL,
  created_unix_ms INTEGER NOT NULL, updated_unix_ms INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS patients_henkilotunnus ON patients(henkilotunnus);
CREATE INDEX IF NOT EXISTS patients_team ON patients(team);
CREATE TABLE IF NOT EXISTS audit_head(
  id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
)sql";

// Lifecycle columns added to alerts (older databases get them by ALTER TABLE at open).
constexpr std::pair<const char*, const char*> kAlertColumnsAdded[] = {
    {"last_event_id", "INTEGER NULL"},
    {"crossings", "INTEGER NOT NULL DEFAULT 1"},
    {"last_reading_uid", "TEXT NULL"},
    {"last_message", "TEXT NULL"},
    {"last_unix_ms", "INTEGER NULL"},
    {"groupable", "INTEGER NOT NULL DEFAULT 0"},
    {"group_subject", "TEXT NULL"},
    {"acked_by", "TEXT NULL"},
    {"acked_unix_ms", "INTEGER NULL"},
    {"ack_note", "TEXT NULL"},
    {"resolved_by", "TEXT NULL"},
    {"resolved_unix_ms", "INTEGER NULL"},
    {"resolve_note", "TEXT NULL"},
    {"escalation_tier", "INTEGER NOT NULL DEFAULT 0"}};

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }

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

Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
  auto db = Database::open(path);
  if (!db) return fail(db.error());
  // Several server instances may open one PostgreSQL database at once: schema work in turn.
  if (auto r = (*db)->schema_lock(true); !r) return fail(r.error());
  if (auto r = (*db)->exec(kSchema); !r) return fail(r.error());
  // Triggers audit_log_no_update / audit_log_no_delete refuse UPDATE and DELETE.
  if (auto r = (*db)->make_append_only("audit_log"); !r) return fail(r.error());
  auto store = std::unique_ptr<Store>(new Store(std::move(*db)));
  if (auto r = store->migrate(); !r) return fail(r.error());
  if (auto r = store->migrate_quarantine(); !r) return fail(r.error());
  if (auto r = store->db_->schema_lock(false); !r) return fail(r.error());
  return store;
}

Result<void> Store::migrate() {
  auto have = db_->columns("alerts");
  if (!have) return fail(have.error());
  for (const auto& [name, type] : kAlertColumnsAdded) {
    if (have->contains(name)) continue;
    auto r = db_->exec(std::string("ALTER TABLE alerts ADD COLUMN ") + name + " " + type);
    if (!r) return fail(r.error());
  }
  // Who made each binding: NULL (older databases) and "config" are `enrol` lines, "api" the
  // HTTP API.
  auto enrolment_columns = db_->columns("enrolment");
  if (!enrolment_columns) return fail(enrolment_columns.error());
  if (!enrolment_columns->contains("source")) {
    if (auto r = db_->exec("ALTER TABLE enrolment ADD COLUMN source TEXT NULL"); !r) return r;
  }
  // Alerts stored before alert_events existed keep their ids as their "raised" events, so
  // event ids stay one increasing sequence and Last-Event-ID replay keeps working.
  return db_->exec(
      "CREATE INDEX IF NOT EXISTS alerts_group ON alerts(patient_id, rule_id, priority, state);"
      "INSERT INTO alert_events(event_id, alert_id, change, at_unix_ms) "
      "SELECT event_id, alert_id, 'raised', created_unix_ms FROM alerts "
      "WHERE NOT EXISTS (SELECT 1 FROM alert_events);");
}

Result<BatchOutcome> Store::store_batch(const GatewayId& topic_gateway, const Batch& batch,
                                        HubTime received) {
  Transaction transaction(*db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  Txn txn{received, topic_gateway, batch.gateway, mqtt_link::readings_topic(topic_gateway), {}};
  for (const auto& reading : batch.readings) {
    auto outcome = store_one(txn, reading);
    if (!outcome) return fail(outcome.error());
    txn.outcome.readings.push_back(std::move(*outcome));
    crash_point("server.mid_transaction");
  }
  for (const auto& rejected : batch.rejected) {
    if (auto r = insert_quarantine(received,
                                   {.topic = txn.topic,
                                    .reason = "invalid: " + describe(rejected.error),
                                    .reading_uid = rejected.reading_uid,
                                    .gateway = topic_gateway.value},
                                   rejected.payload);
        !r) {
      return fail(r.error());
    }
    if (!rejected.reading_uid.empty()) {
      txn.outcome.readings.push_back({rejected.reading_uid, Disposition::kRejected, "invalid"});
    }
    if (rejected.error.code == Errc::kOutOfRange) {  // a value no store may hold: name it
      auto raised = raise_unrepresentable(topic_gateway, rejected, received);
      if (!raised) return fail(raised.error());
      for (auto& a : *raised) txn.outcome.new_alerts.push_back(std::move(a));
    }
  }
  if (auto r = after_quarantine(txn, batch); !r) return fail(r.error());
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return std::move(txn.outcome);
}

namespace {
// The reading as stored: flagged implausible when a value is outside physiological limits
// (invariant 14: flagged and shown, never dropped; its alert is technical, not clinical).
Reading with_plausibility(const Reading& received) {
  Reading r = received;
  r.quality.implausible = alerts::find_implausible_value(r.measurement).has_value();
  return r;
}
}  // namespace

Result<ReadingOutcome> Store::store_one(Txn& txn, const Reading& received) {
  const Reading reading = with_plausibility(received);
  const GatewayId& topic_gateway = txn.topic_gateway;
  // Kept in quarantine with its decoded reading, for the alert and a later release.
  auto hold = [&](const std::string& reason) -> Result<ReadingOutcome> {
    auto r = insert_quarantine(txn.received,
                               {.topic = txn.topic,
                                .reason = reason,
                                .reading_uid = reading.uid.value,
                                .gateway = topic_gateway.value,
                                .device = reading.device.serial.value,
                                .reading_json = encode_reading_json(reading)},
                               "");
    if (!r) return fail(r.error());
    return ReadingOutcome{reading.uid.value, Disposition::kQuarantined, reason};
  };
  // Identity is the topic's (invariant 5): the payload may only repeat it.
  if (txn.batch_gateway != topic_gateway || reading.gateway != topic_gateway) {
    return hold("identity_mismatch");
  }
  auto patient = patient_for(topic_gateway, reading);
  if (!patient) return fail(patient.error());
  if (!*patient) return hold("not_enrolled");
  auto inserted = insert_reading(txn, reading, **patient);
  if (!inserted) return fail(inserted.error());
  if (!*inserted) return same_or_conflict(txn, reading, **patient);
  if (auto r = insert_alerts(txn, reading, **patient); !r) return fail(r.error());
  return ReadingOutcome{reading.uid.value, Disposition::kStored};
}

Result<bool> Store::insert_reading(Txn& txn, const Reading& reading, const PatientId& patient,
                                   bool uid_conflict) {
  auto insert = db_->prepare(
      "INSERT INTO readings(reading_uid, patient_id, gateway_id, device_serial, kind, "
      "measured_unix_ms, device_time_unix_s, hub_time_unix_ms, clock_offset_s, values_json, "
      "quality_json, received_unix_ms) VALUES(?,?,?,?,?,?,?,?,?,?,?,?) "
      KOTONA_READING_UID_ON_CONFLICT);
  if (!insert) return fail(insert.error());
  std::optional<std::int64_t> device_s, offset_s;
  if (reading.device_time) device_s = reading.device_time->time_since_epoch().count();
  if (reading.clock_offset) offset_s = reading.clock_offset->count();
  insert->bind(1, reading.uid.value).bind(2, patient.value).bind(3, txn.topic_gateway.value);
  insert->bind(4, reading.device.serial.value).bind(5, kind_name(reading.measurement));
  insert->bind(6, ms(measured_time(reading))).bind(7, device_s).bind(8, ms(reading.hub_time));
  insert->bind(9, offset_s).bind(10, encode_values_json(reading.measurement));
  insert->bind(11, encode_quality_json(reading.quality, uid_conflict));
  insert->bind(12, ms(txn.received));
  if (auto r = insert->step(); !r) return fail(r.error());
  return db_->changes() != 0;
}

Result<void> Store::insert_alerts(Txn& txn, const Reading& reading, const PatientId& patient) {
  static const alerts::RuleConfig kDefaults;
  auto custom = rule_configs_.find(patient.value);
  const auto& config = custom == rule_configs_.end() ? kDefaults : custom->second;
  auto drafts = alerts::evaluate_rules(reading, patient, config);
  auto trend = weight_trend(reading, patient, config);
  if (!trend) return fail(trend.error());
  drafts.insert(drafts.end(), trend->begin(), trend->end());
  for (auto& draft : drafts) {
    StoredAlert alert;
    alert.alert_id = AlertId{reading.uid.value + "#" + draft.rule_id};
    alert.reading_uid = reading.uid;
    alert.patient = patient;
    alert.rule_id = draft.rule_id;
    alert.priority = std::string(alerts::to_string(draft.priority));
    alert.state = "open";
    alert.message = draft.message;
    alert.threshold_json = encode_threshold_json(draft.threshold);
    alert.created = txn.received;
    auto raised = raise_alert(std::move(alert), /*group_subject=*/"");
    if (!raised) return fail(raised.error());
    if (*raised) txn.outcome.new_alerts.push_back(std::move(**raised));
  }
  if (reading.quality.implausible) return raise_implausible(txn, reading, patient);
  return {};
}

// reading.implausible (medium) to the patient's care team, in the reading's transaction:
// a failing device or tampering; one open alert per device (grouped), naming the value.
Result<void> Store::raise_implausible(Txn& txn, const Reading& reading, const PatientId& patient) {
  const auto what = alerts::find_implausible_value(reading.measurement).value_or("a value");
  StoredAlert alert;
  alert.alert_id = AlertId{reading.uid.value + "#" + std::string(alerts::kReadingImplausibleRule)};
  alert.reading_uid = reading.uid;
  alert.patient = patient;
  alert.rule_id = std::string(alerts::kReadingImplausibleRule);
  alert.priority = std::string(alerts::to_string(alerts::Priority::kMedium));
  alert.state = "open";
  alert.message = "Implausible reading from device " + reading.device.serial.value + " on hub " +
                  reading.gateway.value + ": " + what +
                  " (physiological limits). Stored flagged, no clinical alert raised: check the "
                  "device for a fault or tampering.";
  alert.threshold_json = "{}";
  alert.created = txn.received;
  auto raised =
      raise_alert(std::move(alert), reading.gateway.value + "/" + reading.device.serial.value);
  if (!raised) return fail(raised.error());
  if (*raised) txn.outcome.new_alerts.push_back(std::move(**raised));
  return {};
}

// weight.gain needs the patient's earlier weights: read inside the ingest transaction, so the
// trend and the reading commit together. Control runs never count.
Result<std::vector<alerts::AlertDraft>> Store::weight_trend(const Reading& reading,
                                                            const PatientId& patient,
                                                            const alerts::RuleConfig& config) {
  const auto* weight = std::get_if<Weight>(&reading.measurement);
  if (weight == nullptr || reading.quality.control_result || reading.quality.implausible ||
      config.weight_gain_days <= 0) {
    return std::vector<alerts::AlertDraft>{};
  }
  auto at = measured_time(reading);
  auto window = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double, std::ratio<86400>>(config.weight_gain_days));
  auto stmt = db_->prepare(
      "SELECT measured_unix_ms, values_json FROM readings WHERE patient_id = ? AND "
      "kind = 'weight' AND measured_unix_ms >= ? AND measured_unix_ms < ? AND reading_uid != ? "
      "AND quality_json NOT LIKE '%\"implausible\":true%'");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, patient.value).bind(2, ms(at - window)).bind(3, ms(at)).bind(4, reading.uid.value);
  std::vector<alerts::WeightPoint> earlier;
  while (true) {
    auto row = stmt->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    if (auto kg = decode_weight_kg(stmt->column_text(1))) {
      earlier.push_back({HubTime{std::chrono::milliseconds{stmt->column_int(0)}}, *kg});
    }
  }
  return alerts::evaluate_weight_trend({at, weight->kg}, earlier, config);
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
  return insert_quarantine(received, {.topic = topic, .reason = reason, .reading_uid = reading_uid},
                           payload);
}

}  // namespace kotona::server::store
