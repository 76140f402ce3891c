// Store: enrolment seeding, gateway status and the read queries behind the HTTP API.
#include <algorithm>
#include <array>

#include "server/store/store.h"

namespace kotona::server::store {

namespace {

HubTime from_ms(std::int64_t v) { return HubTime{std::chrono::milliseconds{v}}; }

StoredReading reading_from_row(const Statement& s) {
  StoredReading r;
  r.uid = ReadingUid{s.column_text(0)};
  r.patient = PatientId{s.column_text(1)};
  r.gateway = GatewayId{s.column_text(2)};
  r.device_serial = DeviceSerial{s.column_text(3)};
  r.kind = s.column_text(4);
  if (!s.column_is_null(5)) r.device_time = DeviceTime{std::chrono::seconds{s.column_int(5)}};
  r.hub_time = from_ms(s.column_int(6));
  if (!s.column_is_null(7)) r.clock_offset = std::chrono::seconds{s.column_int(7)};
  r.values_json = s.column_text(8);
  r.quality_json = s.column_text(9);
  return r;
}

}  // namespace

Result<std::vector<StoredReading>> Store::readings(const std::optional<PatientId>& patient,
                                                   int limit) {
  std::string sql =
      "SELECT reading_uid, patient_id, gateway_id, device_serial, kind, device_time_unix_s, "
      "hub_time_unix_ms, clock_offset_s, values_json, quality_json FROM readings ";
  if (patient) sql += "WHERE patient_id = ? ";
  // Newest first from the index (readings_patient or the primary key, read backwards), so a
  // long history costs `limit` rows, and the page shows the last readings, not the first.
  sql += "ORDER BY seq DESC LIMIT ?";
  auto stmt = db_->prepare(sql);
  if (!stmt) return fail(stmt.error());
  int index = 1;
  if (patient) stmt->bind(index++, patient->value);
  stmt->bind(index, std::int64_t{limit});
  auto rows = collect_rows<StoredReading>(stmt, reading_from_row);
  if (rows) std::reverse(rows->begin(), rows->end());
  return rows;
}

Result<std::int64_t> Store::count_rows(std::string_view table) {
  static constexpr std::array<std::string_view, 10> kTables{
      "enrolment",    "readings",  "alerts",     "quarantine",           "gateway_status",
      "alert_events", "audit_log", "audit_head", "escalation_deadlines", "patients"};
  if (std::find(kTables.begin(), kTables.end(), table) == kTables.end()) {
    return fail(Errc::kMalformed, "unknown table " + std::string(table));
  }
  auto stmt = db_->prepare("SELECT COUNT(*) FROM " + std::string(table));
  if (!stmt) return fail(stmt.error());
  auto row = stmt->step();
  if (!row) return fail(row.error());
  return stmt->column_int(0);
}

}  // namespace kotona::server::store
