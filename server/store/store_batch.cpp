// ReadingLedger: the ingest path, store_batch(). One transaction per batch (invariant 7); the
// readings that pass identity and enrolment are written with multi-row INSERTs and their enrolment
// is read once per device (issue 15: two round trips per reading made PostgreSQL 0.34 x SQLite).
// Every reading still gets its outcome, alerts and duplicate / conflict handling in batch
// order.
#include <set>
#include <unordered_set>

#include "core/crash_point.h"
#include "mqtt/topics.h"
#include "server/alerts/plausibility.h"
#include "server/store/reading_json.h"
#include "server/store/reading_ledger.h"
#include "server/store/record_outbox.h"
#include "server/store/store_txn.h"

namespace kotona::server::store {

namespace {

#ifdef KOTONA_BROKEN_NO_UNIQUE_KEY
// NEGATIVE CONTROL ONLY (cmake -DKOTONA_BROKEN=no_unique_key): schema.cpp drops the unique
// reading_uid and readings are inserted blindly, so every redelivery is stored again.
#define KOTONA_READING_UID_ON_CONFLICT ""
#else
#define KOTONA_READING_UID_ON_CONFLICT "ON CONFLICT(reading_uid) DO NOTHING"
#endif

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }

// The reading as stored: flagged implausible when a value is outside physiological limits
// (invariant 14: flagged and shown, never dropped; its alert is technical, not clinical).
Reading with_plausibility(const Reading& received) {
  Reading r = received;
  r.quality.implausible = alerts::find_implausible_value(r.measurement).has_value();
  return r;
}

// The binding valid at `at`: valid_from <= at < valid_to, the latest valid_from first.
// REQUIRES: `bindings` ordered by valid_from descending (device_bindings()).
std::optional<PatientId> patient_at(const std::vector<EnrolmentRecord>& bindings, HubTime at) {
  for (const auto& record : bindings) {
    const auto& b = record.binding;
    if (b.valid_from <= at && (!b.valid_to || *b.valid_to > at)) return b.patient;
  }
  return std::nullopt;
}

// After an INSERT of the rows whose uids are `chunk` (rows [done, done + chunk.size()) of the
// batch) that stored only `count` of them on SQLite: which ones. SQLite gives a new row the largest
// seq + 1 (an INTEGER PRIMARY KEY without AUTOINCREMENT) and the write transaction keeps every
// other writer out, so the rows this INSERT stored are the `count` newest; each must be one of the
// chunk's uids, else it is an error (the batch is not acked), never a guess.
Result<void> inserted_newest(Database& db, const std::vector<std::string_view>& chunk,
                             std::int64_t count, std::vector<bool>& inserted, std::size_t done) {
  auto newest = db.prepare("SELECT reading_uid FROM readings ORDER BY seq DESC LIMIT ?");
  if (!newest) return fail(newest.error());
  newest->bind(1, count);
  std::int64_t found = 0;
  while (true) {
    auto more = newest->step();
    if (!more) return fail(more.error());
    if (!*more) break;
    const auto uid = newest->column_text(0);
    std::size_t i = 0;
    while (i < chunk.size() && chunk[i] != uid) ++i;
    if (i == chunk.size() || inserted[done + i]) break;
    inserted[done + i] = true;
    ++found;
  }
  if (found != count) return fail(Errc::kIo, "readings INSERT: the rows stored are not the newest");
  return {};
}

// A one-dimensional PostgreSQL array in its text form, `{e1,e2,...}`, built element by element:
// a text quoted with `"` and `\` escaped, a number as it is, a missing value NULL.
class PgArrayText {
 public:
  void add(std::string_view text) {
    next();
    text_ += '"';
    for (char c : text) {
      if (c == '"' || c == '\\') text_ += '\\';
      text_ += c;
    }
    text_ += '"';
  }
  void add(std::int64_t value) { next(), text_ += std::to_string(value); }
  template <typename T>
  void add(const std::optional<T>& value) {
    if (value) return add(*value);
    next(), text_ += "NULL";
  }
  // The array's text; no element may be added after.
  std::string_view done() { return text_ += '}', text_; }

 private:
  void next() {
    if (text_.size() > 1) text_ += ',';
  }
  std::string text_ = "{";
};

// PostgreSQL: all of a flush's rows in ONE statement, the columns as arrays unnested in batch
// order, and the devices' last reception (note_devices_received) in the same statement (issue
// 15: three multi-row INSERTs and the upsert were four round trips a batch, and the backend
// built each VALUES row's expressions at run time). Same ON CONFLICT, same RETURNING.
constexpr const char* kPgInsertReadings =
    "WITH ins AS (INSERT INTO readings(reading_uid, patient_id, gateway_id, device_serial, kind, "
    "measured_unix_ms, device_time_unix_s, hub_time_unix_ms, clock_offset_s, values_json, "
    "quality_json, received_unix_ms, provenance_json) "
    "SELECT u.uid, u.patient, CAST(? AS TEXT), u.serial, u.kind, u.measured, u.device_s, u.hub, "
    "u.offset_s, u.vals, u.quality, CAST(? AS BIGINT), u.provenance "
    "FROM unnest(CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), "
    "CAST(? AS BIGINT[]), CAST(? AS BIGINT[]), CAST(? AS BIGINT[]), CAST(? AS BIGINT[]), "
    "CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[])) "
    "AS u(uid, patient, serial, kind, measured, device_s, hub, offset_s, vals, quality, "
    "provenance) " KOTONA_READING_UID_ON_CONFLICT
    " RETURNING reading_uid, seq, patient_id, gateway_id, device_serial, received_unix_ms), "
    "devices AS (INSERT INTO reading_devices(gateway_id, device_serial, last_received_unix_ms) "
    "SELECT DISTINCT gateway_id, device_serial, received_unix_ms FROM ins "
    "ON CONFLICT(gateway_id, device_serial) DO UPDATE SET "
    "last_received_unix_ms = excluded.last_received_unix_ms "
    "WHERE reading_devices.last_received_unix_ms < excluded.last_received_unix_ms) "
    "SELECT reading_uid, seq, patient_id FROM ins";

// Steps an INSERT ... RETURNING reading_uid, seq, patient_id of `rows` to its end:
// inserted[first + i] says whether rows[i] was stored (its uid came back; the others' were stored
// already). With the record push on (issue 19), each reading inserted gets its record-outbox row
// in the same transaction, from the RETURNING row (no second look-up by uid).
template <typename Row>
Result<void> take_returning(Database& db, Statement& insert, std::span<const Row> rows,
                            std::size_t first, bool record_push, HubTime received,
                            std::vector<bool>& inserted) {
  std::unordered_set<std::string> returned;
  std::vector<InsertedReading> for_record;
  while (true) {
    auto more = insert.step();
    if (!more) return fail(more.error());
    if (!*more) break;
    returned.insert(insert.column_text(0));
    if (record_push) for_record.push_back({insert.column_int(1), insert.column_text(2)});
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    inserted[first + i] = returned.contains(rows[i].reading.uid.value);
  }
  return enqueue_for_record(db, for_record, received);
}

// `rows` (ReadingLedger::Row, private to the ledger: deduced) through kPgInsertReadings;
// inserted[i] says whether rows[i] was stored (its uid in the RETURNING list). With the record
// push on, each inserted reading gets its record-outbox row in the same transaction.
// REQUIRES: no uid twice in `rows` (store_batch_in_transaction flushes before a repeat).
template <typename Row>
Result<void> insert_unnested(Database& db, std::span<const Row> rows, const GatewayId& gateway,
                             HubTime received, bool record_push, std::vector<bool>& inserted) {
  PgArrayText uid, patient, serial, kind, measured, device_s, hub, offset_s, values, quality,
      provenance;
  for (const auto& row : rows) {
    const Reading& reading = row.reading;
    uid.add(reading.uid.value);
    patient.add(row.patient.value);
    serial.add(reading.device.serial.value);
    kind.add(kind_name(reading.measurement));
    measured.add(ms(measured_time(reading)));
    std::optional<std::int64_t> device_time, offset;
    if (reading.device_time) device_time = reading.device_time->time_since_epoch().count();
    if (reading.clock_offset) offset = reading.clock_offset->count();
    device_s.add(device_time);
    hub.add(ms(reading.hub_time));
    offset_s.add(offset);
    values.add(row.values_json);
    quality.add(encode_stored_quality_json(reading.quality));
    provenance.add(encode_provenance_json(reading.provenance));
  }
  auto insert = db.prepare(kPgInsertReadings);
  if (!insert) return fail(insert.error());
  insert->bind(1, gateway.value).bind(2, ms(received));
  int p = 3;
  for (auto* array : {&uid, &patient, &serial, &kind, &measured, &device_s, &hub, &offset_s,
                      &values, &quality, &provenance}) {
    insert->bind(p++, array->done());
  }
  return take_returning(db, *insert, rows, 0, record_push, received, inserted);
}

}  // namespace

// One INSERT of `rows` readings: the statement text per row count (and with or without its
// RETURNING list), built once. Row counts are powers of two (insert_readings), so there are at
// most a handful of texts to prepare.
const std::string& insert_sql(std::size_t rows, bool returning) {
  static std::map<std::pair<std::size_t, bool>, std::string> texts;
  auto& text = texts[{rows, returning}];
  if (text.empty()) {
    text =
        "INSERT INTO readings(reading_uid, patient_id, gateway_id, device_serial, kind, "
        "measured_unix_ms, device_time_unix_s, hub_time_unix_ms, clock_offset_s, values_json, "
        "quality_json, received_unix_ms, provenance_json) VALUES";
    for (std::size_t i = 0; i < rows; ++i)
      text += i == 0 ? "(?,?,?,?,?,?,?,?,?,?,?,?,?)" : ",(?,?,?,?,?,?,?,?,?,?,?,?,?)";
    text += " " KOTONA_READING_UID_ON_CONFLICT;
    if (returning) text += " RETURNING reading_uid, seq, patient_id";
  }
  return text;
}

constexpr int kInsertColumns = 13;

// Each row through its own INSERT was a round trip per reading on PostgreSQL (issue 15). The
// RETURNING list names the rows inserted; the others' uids were stored already (ON CONFLICT
// DO NOTHING), which the caller sorts into duplicate or conflict.
Result<std::vector<bool>> ReadingLedger::insert_readings(Txn& txn, std::span<const Row> rows) {
  constexpr std::size_t kMaxRowsPerInsert = 64;  // 832 parameters: far below either limit
  std::vector<bool> inserted(rows.size(), false);
  if (db_.backend() != "sqlite") {  // PostgreSQL: one statement, the devices' upsert in it
    if (rows.empty()) return inserted;
    auto stored =
        insert_unnested(db_, rows, txn.topic_gateway, txn.received, record_push_, inserted);
    if (!stored) return fail(stored.error());
    return inserted;
  }
  const bool returning = record_push_;  // the record push needs each row's seq
  for (std::size_t done = 0; done < rows.size();) {
    std::size_t n = kMaxRowsPerInsert;
    while (n > rows.size() - done) n /= 2;
    auto insert = db_.prepare(insert_sql(n, returning));
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
      insert->bind(p + 10, row.values_json);
      insert->bind(p + 11, encode_stored_quality_json(reading.quality));
      insert->bind(p + 12, ms(txn.received));
      insert->bind(p + 13, encode_provenance_json(reading.provenance));
      p += kInsertColumns;
    }
    if (!returning) {
      // SQLite without the push (issue 15: RETURNING buffered every row in an ephemeral table
      // and each uid came back as a string): the count inserted says it all in a drain, where
      // every row is new. Fewer than all: see which ones (inserted_newest).
      auto more = insert->step();
      if (!more) return fail(more.error());
      if (*more) return fail(Errc::kIo, "readings INSERT without RETURNING returned a row");
      const auto count = db_.changes();
      if (count == static_cast<std::int64_t>(n)) {
        std::fill_n(inserted.begin() + static_cast<std::ptrdiff_t>(done), n, true);
      } else if (count > 0) {
        std::vector<std::string_view> uids;
        for (const auto& row : rows.subspan(done, n)) uids.push_back(row.reading.uid.value);
        if (auto r = inserted_newest(db_, uids, count, inserted, done); !r) return fail(r.error());
      }
      done += n;
      continue;
    }
    auto taken = take_returning(db_, *insert, rows.subspan(done, n), done, record_push_,
                                txn.received, inserted);
    if (!taken) return fail(taken.error());
    done += n;
  }
  if (auto r = note_devices_received(txn, rows, inserted); !r) return fail(r.error());
  return inserted;
}

// A device's last reception (the technical check's "no readings from this device", every
// tick) as one row per device, upserted once per batch: an index (gateway_id, device_serial)
// on readings cost a b-tree insert per reading and a walk of all the device's rows per tick.
Result<void> ReadingLedger::note_devices_received(const Txn& txn, std::span<const Row> rows,
                                                  const std::vector<bool>& inserted) {
  std::set<std::string_view> devices;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (inserted[i]) devices.insert(rows[i].reading.device.serial.value);
  }
  for (auto serial : devices) {
    auto upsert = db_.prepare(
        "INSERT INTO reading_devices(gateway_id, device_serial, last_received_unix_ms) "
        "VALUES(?, ?, ?) ON CONFLICT(gateway_id, device_serial) DO UPDATE SET "
        "last_received_unix_ms = excluded.last_received_unix_ms "
        "WHERE reading_devices.last_received_unix_ms < excluded.last_received_unix_ms");
    if (!upsert) return fail(upsert.error());
    upsert->bind(1, txn.topic_gateway.value).bind(2, serial).bind(3, ms(txn.received));
    if (auto r = upsert->step(); !r) return fail(r.error());
  }
  return {};
}

Result<BatchOutcome> ReadingLedger::store_batch(const GatewayId& topic_gateway, const Batch& batch,
                                                HubTime received) {
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  ThresholdBook::VersionPin pin(alert_book_.thresholds());  // one version read per transaction
  auto outcome = store_batch_in_transaction(topic_gateway, batch, received);
  if (!outcome) return fail(outcome.error());
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return outcome;
}

Result<BatchOutcome> ReadingLedger::store_batch_in_transaction(const GatewayId& topic_gateway,
                                                               const Batch& batch,
                                                               HubTime received) {
  Txn txn{received, topic_gateway, batch.gateway, mqtt_link::readings_topic(topic_gateway), {}, {}};
  std::vector<ReadingOutcome> outcomes(batch.readings.size());
  struct {  // readings admitted but not yet written, with their places in the batch
    std::vector<Row> rows;
    std::vector<std::size_t> at;
    std::unordered_set<std::string_view> uids;  // views of the batch's own uids
  } pending;
  pending.rows.reserve(batch.readings.size());
  pending.at.reserve(batch.readings.size());
  auto flush = [&]() -> Result<void> {
    auto stored = store_rows(txn, pending.rows);
    if (!stored) return fail(stored.error());
    for (std::size_t k = 0; k < stored->size(); ++k) {
      outcomes[pending.at[k]] = std::move((*stored)[k]);
    }
    pending.rows.clear();
    pending.at.clear();
    pending.uids.clear();
    return {};
  };
  for (std::size_t i = 0; i < batch.readings.size(); ++i) {
    auto admitted = admit(txn, batch.readings[i]);
    if (!admitted) return fail(admitted.error());
    if (auto* held = std::get_if<ReadingOutcome>(&*admitted)) {
      outcomes[i] = std::move(*held);
      crash_point("server.mid_transaction");
      continue;
    }
    auto& row = std::get<Row>(*admitted);
    // A uid twice in one batch: the second must see the first stored (duplicate or conflict).
    const std::string_view uid = batch.readings[i].uid.value;  // the row's, which admit copied
    if (pending.uids.contains(uid)) {
      if (auto r = flush(); !r) return fail(r.error());
    }
    const bool weight = std::holds_alternative<Weight>(row.reading.measurement);
    pending.uids.insert(uid);
    pending.rows.push_back(std::move(row));
    pending.at.push_back(i);
    // weight.gain reads the weights stored before this one, and no later one.
    if (weight) {
      if (auto r = flush(); !r) return fail(r.error());
    }
  }
  if (auto r = flush(); !r) return fail(r.error());
  txn.outcome.readings = std::move(outcomes);
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
      auto patients = technical_.patients_on(topic_gateway, received);
      if (!patients) return fail(patients.error());
      if (auto r = alert_book_.raise_unrepresentable(topic_gateway, rejected, std::move(*patients),
                                                     received, txn.outcome.new_alerts);
          !r) {
        return fail(r.error());
      }
    }
  }
  if (auto r = after_quarantine(txn, batch); !r) return fail(r.error());
  return std::move(txn.outcome);
}

Result<std::variant<ReadingOutcome, ReadingLedger::Row>> ReadingLedger::admit(
    Txn& txn, const Reading& received) {
  using Admitted = std::variant<ReadingOutcome, Row>;
  Reading reading = with_plausibility(received);
  // The reading's only JSON encoding on its way in (issue 16): its row, its duplicate /
  // conflict check and, held, its quarantine item and alert all use this text.
  std::string values_json = encode_values_json(reading.measurement);
  const GatewayId& topic_gateway = txn.topic_gateway;
  // Kept in quarantine with its decoded reading, for the alert and a later release.
  auto hold = [&](const std::string& reason) -> Result<Admitted> {
    auto r = insert_quarantine(txn.received,
                               {.topic = txn.topic,
                                .reason = reason,
                                .reading_uid = reading.uid.value,
                                .gateway = topic_gateway.value,
                                .device = reading.device.serial.value,
                                .reading_json = encode_reading_json(reading, values_json)},
                               "");
    txn.held_values[reading.uid.value] = std::move(values_json);
    if (!r) return fail(r.error());
    return Admitted{ReadingOutcome{reading.uid.value, Disposition::kQuarantined, reason}};
  };
  // Identity is the topic's (invariant 5): the payload may only repeat it.
  if (txn.batch_gateway != topic_gateway || reading.gateway != topic_gateway) {
    return hold("identity_mismatch");
  }
  auto patient = patient_in(txn, reading);
  if (!patient) return fail(patient.error());
  if (!*patient) return hold("not_enrolled");
  return Admitted{Row{std::move(reading), std::move(**patient), std::move(values_json)}};
}

Result<std::vector<ReadingOutcome>> ReadingLedger::store_rows(Txn& txn,
                                                              const std::vector<Row>& rows) {
  auto inserted = insert_readings(txn, rows);
  if (!inserted) return fail(inserted.error());
  std::vector<ReadingOutcome> out;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const Row& row = rows[k];
    if (!(*inserted)[k]) {
      auto outcome = same_or_conflict(txn, row);
      if (!outcome) return fail(outcome.error());
      out.push_back(std::move(*outcome));
    } else {
      if (auto r = alert_book_.raise_for_reading(row.reading, row.patient, txn.received,
                                                 txn.outcome.new_alerts);
          !r) {
        return fail(r.error());
      }
      out.push_back(ReadingOutcome{row.reading.uid.value, Disposition::kStored});
    }
    crash_point("server.mid_transaction");
  }
  return out;
}

Result<ReadingOutcome> ReadingLedger::store_one(Txn& txn, const Reading& reading) {
  auto admitted = admit(txn, reading);
  if (!admitted) return fail(admitted.error());
  if (auto* held = std::get_if<ReadingOutcome>(&*admitted)) return std::move(*held);
  auto stored = store_rows(txn, {std::move(std::get<Row>(*admitted))});
  if (!stored) return fail(stored.error());
  return std::move(stored->front());
}

Result<std::optional<PatientId>> ReadingLedger::patient_in(Txn& txn, const Reading& reading) {
  auto it = txn.bindings.find(reading.device.serial.value);
  if (it == txn.bindings.end()) {
    // Within a group (store_batches) once per hub and device for all its batches: a drain's
    // group is ten batches of one hub's one meter, and on PostgreSQL each look-up was a round
    // trip (issue 15). Same reasoning as Txn::bindings: the group's transaction holds the
    // write lock, so no enrolment can change under it.
    std::string key;
    if (group_bindings_) {
      key = txn.topic_gateway.value + '\n' + reading.device.serial.value;
      if (auto cached = group_bindings_->find(key); cached != group_bindings_->end()) {
        it = txn.bindings.emplace(reading.device.serial.value, cached->second).first;
        return patient_at(it->second, measured_time(reading));
      }
    }
    auto bindings = patients_.device_bindings(txn.topic_gateway, reading.device.serial);
    if (!bindings) return fail(bindings.error());
    if (group_bindings_) group_bindings_->emplace(std::move(key), *bindings);
    it = txn.bindings.emplace(reading.device.serial.value, std::move(*bindings)).first;
  }
  return patient_at(it->second, measured_time(reading));
}

Result<std::optional<PatientId>> ReadingLedger::patient_for(const GatewayId& gateway,
                                                            const Reading& reading) {
  auto bindings = patients_.device_bindings(gateway, reading.device.serial);
  if (!bindings) return fail(bindings.error());
  return patient_at(*bindings, measured_time(reading));
}

}  // namespace kotona::server::store
