// AlertBook queries: the alert rows the HTTP API lists, one alert, and the event replay behind
// the SSE feed (invariant 8).
#include "server/store/alert_book.h"

namespace kotona::server::store {

namespace {

HubTime from_ms(std::int64_t v) { return HubTime{std::chrono::milliseconds{v}}; }

// Columns of an alert row; the event (id, change) comes from `e`, the deadline from `d`.
constexpr const char* kAlertColumns =
    "SELECT e.event_id, a.alert_id, a.reading_uid, a.patient_id, a.rule_id, a.priority, "
    "a.state, a.message, a.threshold_json, a.created_unix_ms, e.change, a.crossings, "
    "COALESCE(a.last_reading_uid, a.reading_uid), COALESCE(a.last_message, a.message), "
    "COALESCE(a.last_unix_ms, a.created_unix_ms), COALESCE(a.acked_by, ''), a.acked_unix_ms, "
    "COALESCE(a.ack_note, ''), COALESCE(a.resolved_by, ''), a.resolved_unix_ms, "
    "COALESCE(a.resolve_note, ''), a.escalation_tier, d.due_unix_ms, "
    "COALESCE(a.values_json, '{}'), COALESCE(a.last_values_json, a.values_json, '{}'), "
    "COALESCE(a.claimed_by, ''), a.claimed_unix_ms, a.note_count ";
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
  a.values_json = s.column_text(23);
  a.last_values_json = s.column_text(24);
  a.claimed_by = s.column_text(25);
  a.claimed_at = optional_ms(s, 26);
  a.notes = s.column_int(27);
  return a;
}

}  // namespace

Result<std::vector<StoredAlert>> AlertBook::recent_alerts(int limit, const AlertFilter& filter) {
  std::string sql = std::string(kAlertColumns) + kAlertsNow + "WHERE 1 = 1 ";
  if (filter.priority) sql += "AND a.priority = ? ";
  if (filter.state) sql += "AND a.state = ? ";
  if (filter.patient) sql += "AND a.patient_id = ? ";
  sql += "ORDER BY a.event_id DESC LIMIT ?";
  auto stmt = db_.prepare(sql);
  if (!stmt) return fail(stmt.error());
  int index = 1;
  if (filter.priority) stmt->bind(index++, alerts::to_string(*filter.priority));
  if (filter.state) stmt->bind(index++, to_string(*filter.state));
  if (filter.patient) stmt->bind(index++, filter.patient->value);
  stmt->bind(index, std::int64_t{limit});
  return collect_rows<StoredAlert>(stmt, alert_from_row);
}

Result<std::optional<StoredAlert>> AlertBook::alert(const AlertId& id) {
  auto stmt = db_.prepare(std::string(kAlertColumns) + kAlertsNow + "WHERE a.alert_id = ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, id.value);
  auto rows = collect_rows<StoredAlert>(stmt, alert_from_row);
  if (!rows) return fail(rows.error());
  if (rows->empty()) return std::optional<StoredAlert>{};
  return std::optional<StoredAlert>{std::move(rows->front())};
}

Result<std::vector<StoredAlert>> AlertBook::alerts_after(std::int64_t after, int limit) {
  auto stmt = db_.prepare(std::string(kAlertColumns) +
                          "FROM alert_events e JOIN alerts a ON a.alert_id = e.alert_id "
                          "LEFT JOIN escalation_deadlines d ON d.alert_id = a.alert_id "
                          "WHERE e.event_id > ? ORDER BY e.event_id ASC LIMIT ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, after).bind(2, std::int64_t{limit});
  return collect_rows<StoredAlert>(stmt, alert_from_row);
}

Result<std::int64_t> AlertBook::last_event_id() {
  auto stmt = db_.prepare("SELECT COALESCE(MAX(event_id), 0) FROM alert_events");
  if (!stmt) return fail(stmt.error());
  auto row = stmt->step();
  if (!row) return fail(row.error());
  return stmt->column_int(0);
}

Result<std::vector<YieldFact>> AlertBook::yield_facts(HubTime since, int limit) {
  auto stmt = db_.prepare(
      "SELECT rule_id, patient_id, created_unix_ms, acked_unix_ms, actionable FROM alerts "
      "WHERE created_unix_ms >= ? ORDER BY created_unix_ms DESC, event_id DESC LIMIT ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, static_cast<std::int64_t>(since.time_since_epoch().count()))
      .bind(2, static_cast<std::int64_t>(limit));
  std::vector<YieldFact> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    YieldFact f;
    f.rule_id = stmt->column_text(0);
    f.patient = PatientId{stmt->column_text(1)};
    f.created = HubTime{std::chrono::milliseconds{stmt->column_int(2)}};
    if (!stmt->column_is_null(3)) f.acked = HubTime{std::chrono::milliseconds{stmt->column_int(3)}};
    if (!stmt->column_is_null(4)) f.actionable = stmt->column_text(4);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace kotona::server::store
