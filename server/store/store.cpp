#include "server/store/store.h"

#include <map>
#include <set>

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
CREATE TABLE IF NOT EXISTS alert_grouped(
  alert_id TEXT PRIMARY KEY, group_id TEXT NOT NULL);
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
    {"last_event_id", "INTEGER NULL"}, {"crossings", "INTEGER NOT NULL DEFAULT 1"},
    {"last_reading_uid", "TEXT NULL"}, {"last_message", "TEXT NULL"},
    {"last_unix_ms", "INTEGER NULL"},  {"groupable", "INTEGER NOT NULL DEFAULT 0"},
    {"group_subject", "TEXT NULL"},    {"acked_by", "TEXT NULL"},
    {"acked_unix_ms", "INTEGER NULL"}, {"ack_note", "TEXT NULL"},
    {"resolved_by", "TEXT NULL"},      {"resolved_unix_ms", "INTEGER NULL"},
    {"resolve_note", "TEXT NULL"},     {"escalation_tier", "INTEGER NOT NULL DEFAULT 0"}};

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }

}  // namespace

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

namespace {

// One INSERT of `rows` readings: the statement text per row count, built once. Row counts are
// powers of two (insert_readings), so there are at most a handful of texts to prepare.
const std::string& insert_sql(std::size_t rows) {
  static std::map<std::size_t, std::string> texts;
  auto& text = texts[rows];
  if (text.empty()) {
    text =
        "INSERT INTO readings(reading_uid, patient_id, gateway_id, device_serial, kind, "
        "measured_unix_ms, device_time_unix_s, hub_time_unix_ms, clock_offset_s, values_json, "
        "quality_json, received_unix_ms) VALUES";
    for (std::size_t i = 0; i < rows; ++i)
      text += i == 0 ? "(?,?,?,?,?,?,?,?,?,?,?,?)" : ",(?,?,?,?,?,?,?,?,?,?,?,?)";
    text += " " KOTONA_READING_UID_ON_CONFLICT " RETURNING reading_uid";
  }
  return text;
}

constexpr int kInsertColumns = 12;

}  // namespace

// Each row through its own INSERT was a round trip per reading on PostgreSQL (issue 15). The
// RETURNING list names the rows inserted; the others' uids were stored already (ON CONFLICT
// DO NOTHING), which the caller sorts into duplicate or conflict.
Result<std::vector<bool>> Store::insert_readings(Txn& txn, std::span<const Row> rows) {
  constexpr std::size_t kMaxRowsPerInsert = 64;  // 768 parameters: far below either limit
  std::vector<bool> inserted(rows.size(), false);
  for (std::size_t done = 0; done < rows.size();) {
    std::size_t n = kMaxRowsPerInsert;
    while (n > rows.size() - done) n /= 2;
    auto insert = db_->prepare(insert_sql(n));
    if (!insert) return fail(insert.error());
    int p = 0;
    for (const auto& row : rows.subspan(done, n)) {
      const Reading& reading = row.reading;
      std::optional<std::int64_t> device_s, offset_s;
      if (reading.device_time) device_s = reading.device_time->time_since_epoch().count();
      if (reading.clock_offset) offset_s = reading.clock_offset->count();
      insert->bind(p + 1, reading.uid.value).bind(p + 2, row.patient.value);
      insert->bind(p + 3, txn.topic_gateway.value).bind(p + 4, reading.device.serial.value);
      insert->bind(p + 5, kind_name(reading.measurement));
      insert->bind(p + 6, ms(measured_time(reading))).bind(p + 7, device_s);
      insert->bind(p + 8, ms(reading.hub_time)).bind(p + 9, offset_s);
      insert->bind(p + 10, encode_values_json(reading.measurement));
      insert->bind(p + 11, encode_quality_json(reading.quality));
      insert->bind(p + 12, ms(txn.received));
      p += kInsertColumns;
    }
    std::set<std::string> returned;
    while (true) {
      auto more = insert->step();
      if (!more) return fail(more.error());
      if (!*more) break;
      returned.insert(insert->column_text(0));
    }
    for (std::size_t i = done; i < done + n; ++i) {
      inserted[i] = returned.contains(rows[i].reading.uid.value);
    }
    done += n;
  }
  return inserted;
}

Result<bool> Store::insert_reading(Txn& txn, const Reading& reading, const PatientId& patient) {
  const Row row{reading, patient};
  auto inserted = insert_readings(txn, std::span<const Row>(&row, 1));
  if (!inserted) return fail(inserted.error());
  return bool{inserted->front()};
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
    alert.priority = draft.priority;
    alert.state = AlertState::kOpen;
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
  alert.priority = alerts::Priority::kMedium;
  alert.state = AlertState::kOpen;
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

Result<void> Store::insert_quarantine(HubTime received, const std::string& topic,
                                      const std::string& reason, const std::string& reading_uid,
                                      const std::string& payload) {
  return insert_quarantine(received, {.topic = topic, .reason = reason, .reading_uid = reading_uid},
                           payload);
}

}  // namespace kotona::server::store
