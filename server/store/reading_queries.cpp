// ReadingLedger: the reading queries — the newest readings (the page), one patient's readings by
// measured time (the FHIR export, server/fhir/README.md).
#include <limits>

#include "server/store/reading_json.h"
#include "server/store/reading_ledger.h"
#include "server/store/reading_row.h"

namespace kotona::server::store {

namespace {

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }

// Served by the index readings_patient_measured (patient_id, measured_unix_ms, seq): the range
// and the order come from it, so a day costs that day's rows however long the history
// (issue 15: with (patient_id, seq) only, every row of the patient was read and sorted).
// The upper bound is a plain `<` (no end: INT64_MAX), so it bounds the index search too: with
// `(? IS NULL OR measured_unix_ms < ?)` it was a filter, and a day's query read every row
// after that day (1M rows: 0.5 s instead of milliseconds, bench growth point).
constexpr const char* kMeasuredBetween =
    "SELECT reading_uid, patient_id, gateway_id, device_serial, kind, device_time_unix_s, "
    "hub_time_unix_ms, clock_offset_s, values_json, quality_json, provenance_json FROM readings "
    "WHERE patient_id = ? AND measured_unix_ms >= ? AND measured_unix_ms < ? "
    "ORDER BY measured_unix_ms ASC, seq ASC LIMIT ?";

}  // namespace

StoredReading row_to_reading(const Statement& s) {
  StoredReading r;
  r.uid = ReadingUid{s.column_text(0)};
  r.patient = PatientId{s.column_text(1)};
  r.gateway = GatewayId{s.column_text(2)};
  r.device_serial = DeviceSerial{s.column_text(3)};
  r.kind = s.column_text(4);
  if (!s.column_is_null(5)) r.device_time = DeviceTime{std::chrono::seconds{s.column_int(5)}};
  r.hub_time = HubTime{std::chrono::milliseconds{s.column_int(6)}};
  if (!s.column_is_null(7)) r.clock_offset = std::chrono::seconds{s.column_int(7)};
  r.values_json = s.column_text(8);
  r.quality_json = expand_quality_json(s.column_text(9));  // the full form (API)
  if (!s.column_is_null(10)) r.provenance = decode_provenance_json(s.column_text(10));
  return r;
}

Result<std::string> ReadingLedger::range_query_plan_for_test(const PatientId& patient) {
  const bool sqlite = db_.backend() == "sqlite";
  auto stmt =
      db_.prepare(std::string(sqlite ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") + kMeasuredBetween);
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, patient.value).bind(2, std::int64_t{0}).bind(3, std::int64_t{1});
  stmt->bind(4, std::int64_t{100});
  std::string plan;
  while (true) {
    auto row = stmt->step();
    if (!row) return fail(row.error());
    if (!*row) return plan;
    plan += stmt->column_text(sqlite ? 3 : 0) + "\n";  // SQLite: (id, parent, notused, detail)
  }
}

HubTime measured_time(const StoredReading& row) {
  if (row.device_time && row.clock_offset) {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(*row.device_time -
                                                                   *row.clock_offset);
  }
  return row.hub_time;
}

Result<std::vector<StoredReading>> ReadingLedger::readings_measured_between(
    const PatientId& patient, HubTime from, std::optional<HubTime> to, int limit) {
  auto stmt = db_.prepare(kMeasuredBetween);
  if (!stmt) return fail(stmt.error());
  const std::int64_t to_ms = to ? ms(*to) : std::numeric_limits<std::int64_t>::max();
  stmt->bind(1, patient.value).bind(2, ms(from)).bind(3, to_ms);
  stmt->bind(4, std::int64_t{limit});
  return collect_rows<StoredReading>(stmt, row_to_reading);
}

Result<std::vector<StoredReading>> ReadingLedger::readings(const std::optional<PatientId>& patient,
                                                           int limit) {
  std::string sql =
      "SELECT reading_uid, patient_id, gateway_id, device_serial, kind, device_time_unix_s, "
      "hub_time_unix_ms, clock_offset_s, values_json, quality_json, provenance_json FROM readings ";
  // Newest first from an index read backwards, so a long history costs `limit` rows, and the
  // page shows the last readings, not the first. A patient's: newest by measured time
  // (readings_patient_measured; after an outage the backlog arrives last but is not the
  // newest), everyone's (admin): newest by arrival (the primary key).
  sql += patient ? "WHERE patient_id = ? ORDER BY measured_unix_ms DESC, seq DESC LIMIT ?"
                 : "ORDER BY seq DESC LIMIT ?";
  auto stmt = db_.prepare(sql);
  if (!stmt) return fail(stmt.error());
  int index = 1;
  if (patient) stmt->bind(index++, patient->value);
  stmt->bind(index, std::int64_t{limit});
  auto rows = collect_rows<StoredReading>(stmt, row_to_reading);
  if (rows) std::reverse(rows->begin(), rows->end());
  return rows;
}

}  // namespace kotona::server::store
