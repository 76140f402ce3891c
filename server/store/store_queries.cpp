// Store: enrolment seeding, gateway status and the read queries behind the HTTP API.
#include <algorithm>
#include <array>

#include "server/store/store.h"

namespace kotona::server::store {

namespace {

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }
HubTime from_ms(std::int64_t v) { return HubTime{std::chrono::milliseconds{v}}; }

// Columns of an alert row; the event (id, change) comes from `e`, the deadline from `d`.
constexpr const char* kAlertColumns =
    "SELECT e.event_id, a.alert_id, a.reading_uid, a.patient_id, a.rule_id, a.priority, "
    "a.state, a.message, a.threshold_json, a.created_unix_ms, e.change, a.crossings, "
    "COALESCE(a.last_reading_uid, a.reading_uid), COALESCE(a.last_message, a.message), "
    "COALESCE(a.last_unix_ms, a.created_unix_ms), COALESCE(a.acked_by, ''), a.acked_unix_ms, "
    "COALESCE(a.ack_note, ''), COALESCE(a.resolved_by, ''), a.resolved_unix_ms, "
    "COALESCE(a.resolve_note, ''), a.escalation_tier, d.due_unix_ms ";
// The alert's newest event.
constexpr const char* kAlertsNow =
    "FROM alerts a JOIN alert_events e ON e.event_id = COALESCE(a.last_event_id, a.event_id) "
    "LEFT JOIN escalation_deadlines d ON d.alert_id = a.alert_id ";

std::optional<HubTime> optional_ms(const Statement& s, int i) {
  if (s.column_is_null(i)) return std::nullopt;
  return from_ms(s.column_int(i));
}

StoredAlert alert_from_row(const Statement& s) {
  StoredAlert a;
  a.event_id = s.column_int(0);
  a.alert_id = AlertId{s.column_text(1)};
  a.reading_uid = ReadingUid{s.column_text(2)};
  a.patient = PatientId{s.column_text(3)};
  a.rule_id = s.column_text(4);
  // Only this store writes these columns, from the enums; an unknown text (a hand-edited row)
  // shows as high and open rather than hiding the alert.
  a.priority = alerts::parse_priority(s.column_text(5)).value_or(alerts::Priority::kHigh);
  a.state = parse_alert_state(s.column_text(6)).value_or(AlertState::kOpen);
  a.message = s.column_text(7);
  a.threshold_json = s.column_text(8);
  a.created = from_ms(s.column_int(9));
  a.change = s.column_text(10);
  a.crossings = s.column_int(11);
  a.last_reading_uid = ReadingUid{s.column_text(12)};
  a.last_message = s.column_text(13);
  a.last_at = from_ms(s.column_int(14));
  a.acked_by = s.column_text(15);
  a.acked_at = optional_ms(s, 16);
  a.ack_note = s.column_text(17);
  a.resolved_by = s.column_text(18);
  a.resolved_at = optional_ms(s, 19);
  a.resolve_note = s.column_text(20);
  a.escalation_tier = s.column_int(21);
  a.escalation_due = optional_ms(s, 22);
  return a;
}

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

Result<void> Store::upsert_gateway_status(const GatewayStatusRow& row) {
  auto stmt = db_->prepare(
      "INSERT INTO gateway_status(gateway_id, last_seen_unix_ms, outbox_depth, status_json) "
      "VALUES(?,?,?,?) ON CONFLICT(gateway_id) DO UPDATE SET "
      "last_seen_unix_ms = excluded.last_seen_unix_ms, outbox_depth = excluded.outbox_depth, "
      "status_json = excluded.status_json");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, row.gateway.value).bind(2, ms(row.last_seen));
  stmt->bind(3, static_cast<std::int64_t>(row.outbox_depth)).bind(4, row.status_json);
  if (auto r = stmt->step(); !r) return fail(r.error());
  return {};
}

Result<std::optional<GatewayStatusRow>> Store::gateway_status(const GatewayId& gateway) {
  auto stmt = db_->prepare(
      "SELECT last_seen_unix_ms, outbox_depth, status_json FROM gateway_status "
      "WHERE gateway_id = ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, gateway.value);
  auto row = stmt->step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<GatewayStatusRow>{};
  return std::optional<GatewayStatusRow>{
      GatewayStatusRow{gateway, from_ms(stmt->column_int(0)),
                       static_cast<std::uint64_t>(stmt->column_int(1)), stmt->column_text(2)}};
}

Result<std::vector<StoredAlert>> Store::recent_alerts(int limit, const AlertFilter& filter) {
  std::string sql = std::string(kAlertColumns) + kAlertsNow + "WHERE 1 = 1 ";
  if (filter.priority) sql += "AND a.priority = ? ";
  if (filter.state) sql += "AND a.state = ? ";
  if (filter.patient) sql += "AND a.patient_id = ? ";
  sql += "ORDER BY a.event_id DESC LIMIT ?";
  auto stmt = db_->prepare(sql);
  if (!stmt) return fail(stmt.error());
  int index = 1;
  if (filter.priority) stmt->bind(index++, alerts::to_string(*filter.priority));
  if (filter.state) stmt->bind(index++, to_string(*filter.state));
  if (filter.patient) stmt->bind(index++, filter.patient->value);
  stmt->bind(index, std::int64_t{limit});
  return collect_rows<StoredAlert>(stmt, alert_from_row);
}

Result<std::optional<StoredAlert>> Store::alert(const AlertId& id) {
  auto stmt = db_->prepare(std::string(kAlertColumns) + kAlertsNow + "WHERE a.alert_id = ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, id.value);
  auto rows = collect_rows<StoredAlert>(stmt, alert_from_row);
  if (!rows) return fail(rows.error());
  if (rows->empty()) return std::optional<StoredAlert>{};
  return std::optional<StoredAlert>{std::move(rows->front())};
}

Result<std::vector<StoredAlert>> Store::alerts_after(std::int64_t after, int limit) {
  auto stmt = db_->prepare(std::string(kAlertColumns) +
                           "FROM alert_events e JOIN alerts a ON a.alert_id = e.alert_id "
                           "LEFT JOIN escalation_deadlines d ON d.alert_id = a.alert_id "
                           "WHERE e.event_id > ? ORDER BY e.event_id ASC LIMIT ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, after).bind(2, std::int64_t{limit});
  return collect_rows<StoredAlert>(stmt, alert_from_row);
}

Result<std::int64_t> Store::last_event_id() {
  auto stmt = db_->prepare("SELECT COALESCE(MAX(event_id), 0) FROM alert_events");
  if (!stmt) return fail(stmt.error());
  auto row = stmt->step();
  if (!row) return fail(row.error());
  return stmt->column_int(0);
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
