#include "server/store/store.h"

#include <map>
#include <set>

#include "server/alerts/plausibility.h"
#include "server/alerts/rules.h"
#include "server/store/reading_json.h"
#include "server/store/schema.h"
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
  if (auto r = create_schema(**db); !r) return fail(r.error());
  return std::unique_ptr<Store>(new Store(std::move(*db)));
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

Result<void> Store::insert_quarantine(HubTime received, const std::string& topic,
                                      const std::string& reason, const std::string& reading_uid,
                                      const std::string& payload) {
  return insert_quarantine(received, {.topic = topic, .reason = reason, .reading_uid = reading_uid},
                           payload);
}

Result<void> Store::probe_write(HubTime now) {
  // A write transaction like every other (BEGIN IMMEDIATE: the write lock, a commit that must
  // reach the disk), changing one row: cheap, and it fails when the store refuses writes.
  Transaction transaction(*db_);
  if (auto r = transaction.begin(); !r) return r;
  if (auto r = technical_.set_seen_counter(
          "store.write_probe_unix_ms", static_cast<std::uint64_t>(now.time_since_epoch().count()));
      !r) {
    return r;
  }
  return transaction.commit();
}

}  // namespace kotona::server::store
