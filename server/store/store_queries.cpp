// Store: enrolment seeding, gateway status and the read queries behind the HTTP API.
#include <algorithm>
#include <array>

#include "server/store/store.h"

namespace kotona::server::store {

namespace {

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }
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

Result<void> Store::add_enrolment(const Enrolment& e) {
  auto stmt = db_->prepare(
      "INSERT INTO enrolment(gateway_id, device_serial, patient_id, valid_from_unix_ms, "
      "valid_to_unix_ms) VALUES(?,?,?,?,?)");
  if (!stmt) return fail(stmt.error());
  std::optional<std::int64_t> to;
  if (e.valid_to) to = ms(*e.valid_to);
  stmt->bind(1, e.gateway.value).bind(2, e.device_serial.value).bind(3, e.patient.value);
  stmt->bind(4, ms(e.valid_from)).bind(5, to);
  if (auto r = stmt->step(); !r) return fail(r.error());
  return {};
}

Result<std::vector<Enrolment>> Store::seed_enrolment(const std::vector<Enrolment>& lines,
                                                     HubTime now) {
  std::vector<Enrolment> api_managed;
  for (const auto& line : lines) {
    auto bindings = device_bindings(line.gateway, line.device_serial);
    if (!bindings) return fail(bindings.error());
    Enrolment fresh = line;
    fresh.valid_to.reset();
    fresh.valid_from = HubTime{};  // config lines carry no date: enrolled since ever
    if (!bindings->empty()) {
      const auto& newest = bindings->front();
      bool same = newest.binding.patient == line.patient;
      if (!newest.binding.valid_to && same) continue;
      // Moved or ended through the API: the API's history wins over a static config line.
      if (newest.source == "api" || newest.binding.valid_to) {
        if (!same || newest.binding.valid_to) api_managed.push_back(line);
        continue;
      }
      auto close = db_->prepare("UPDATE enrolment SET valid_to_unix_ms = ? WHERE id = ?");
      if (!close) return fail(close.error());
      close->bind(1, ms(now)).bind(2, newest.id);
      if (auto r = close->step(); !r) return fail(r.error());
      fresh.valid_from = now;
    }
    if (auto r = add_enrolment(fresh); !r) return fail(r.error());
  }
  return api_managed;
}

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
