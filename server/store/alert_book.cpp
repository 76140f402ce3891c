// AlertBook: raising with grouping, acknowledge, resolve, escalation deadlines (rows,
// invariant 7) and the events the SSE feed replays (invariant 8). Every action writes its
// audit row in the same transaction (invariant 9, audit.cpp). What raises: alert_raising.cpp.
#include "server/store/alert_book.h"

namespace kotona::server::store {

namespace {

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }

std::chrono::seconds escalate_after(const EscalationPolicy& p, alerts::Priority priority) {
  if (priority == alerts::Priority::kHigh) return p.high_after;
  if (priority == alerts::Priority::kMedium) return p.medium_after;
  return std::chrono::seconds{0};
}

}  // namespace

Result<std::int64_t> AlertBook::add_event(const AlertId& id, std::string_view change, HubTime at) {
  auto stmt = db_.prepare(
      "INSERT INTO alert_events(alert_id, change, at_unix_ms) VALUES(?,?,?) "
      "RETURNING event_id");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, id.value).bind(2, change).bind(3, ms(at));
  auto row = stmt->step();
  if (!row) return fail(row.error());
  if (!*row) return fail(Errc::kIo, "alert_events insert returned no id");
  return stmt->column_int(0);
}

// The open alert `alert` groups into: same patient, rule AND priority (a flood of one priority
// never hides another) and subject.
Result<std::optional<AlertId>> AlertBook::open_group(const StoredAlert& alert,
                                                     const std::string& group_subject) {
  auto open = db_.prepare(
      "SELECT alert_id FROM alerts WHERE patient_id = ? AND rule_id = ? AND priority = ? "
      "AND state = 'open' AND groupable = 1 AND COALESCE(group_subject, '') = ? "
      "ORDER BY event_id DESC LIMIT 1");
  if (!open) return fail(open.error());
  open->bind(1, alert.patient.value).bind(2, alert.rule_id).bind(3, to_string(alert.priority));
  open->bind(4, group_subject);
  auto row = open->step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<AlertId>{};
  return std::optional<AlertId>{AlertId{open->column_text(0)}};
}

// One more crossing of the open alert `group`: its event, counters and latest reading; the
// grouped alert id is remembered so the same episode does not group again.
Result<std::optional<StoredAlert>> AlertBook::group_into(const AlertId& group,
                                                         const StoredAlert& alert) {
  auto event = add_event(group, "grouped", alert.created);
  if (!event) return fail(event.error());
  auto update = db_.prepare(
      "UPDATE alerts SET crossings = crossings + 1, last_reading_uid = ?, last_message = ?, "
      "last_unix_ms = ?, last_event_id = ?, last_values_json = ? WHERE alert_id = ?");
  if (!update) return fail(update.error());
  update->bind(1, alert.reading_uid.value).bind(2, alert.message).bind(3, ms(alert.created));
  update->bind(4, *event).bind(5, alert.values_json).bind(6, group.value);
  if (auto r = update->step(); !r) return fail(r.error());
  auto seen = db_.prepare("INSERT INTO alert_grouped(alert_id, group_id) VALUES(?, ?)");
  if (!seen) return fail(seen.error());
  seen->bind(1, alert.alert_id.value).bind(2, group.value);
  if (auto r = seen->step(); !r) return fail(r.error());
  return this->alert(group);
}

Result<std::optional<StoredAlert>> AlertBook::raise(StoredAlert alert,
                                                    const std::string& group_subject) {
  // An alert id grouped into another alert was seen too: a technical episode evaluated again
  // (the next heartbeat with the same refusal tally, the next check of a silent hub) must not
  // group again (issue 13: one alert event per episode, not one per evaluation).
  auto exists = db_.prepare(
      "SELECT 1 FROM alerts WHERE alert_id = ? UNION ALL "
      "SELECT 1 FROM alert_grouped WHERE alert_id = ?");
  if (!exists) return fail(exists.error());
  exists->bind(1, alert.alert_id.value).bind(2, alert.alert_id.value);
  auto found = exists->step();
  if (!found) return fail(found.error());
  if (*found) return std::optional<StoredAlert>{};  // same reading + rule, or same episode
  auto group = open_group(alert, group_subject);
  if (!group) return fail(group.error());
  if (*group) return group_into(**group, alert);
  auto event = add_event(alert.alert_id, "raised", alert.created);
  if (!event) return fail(event.error());
  auto stmt = db_.prepare(
      "INSERT INTO alerts(event_id, alert_id, reading_uid, patient_id, rule_id, priority, state, "
      "message, threshold_json, created_unix_ms, last_event_id, last_reading_uid, last_message, "
      "last_unix_ms, groupable, group_subject, values_json, last_values_json) "
      "VALUES(?,?,?,?,?,?,'open',?,?,?,?,?,?,?,1,?,?,?)");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, *event).bind(2, alert.alert_id.value).bind(3, alert.reading_uid.value);
  stmt->bind(4, alert.patient.value).bind(5, alert.rule_id).bind(6, to_string(alert.priority));
  stmt->bind(7, alert.message).bind(8, alert.threshold_json).bind(9, ms(alert.created));
  stmt->bind(10, *event).bind(11, alert.reading_uid.value).bind(12, alert.message);
  stmt->bind(13, ms(alert.created)).bind(14, group_subject);
  stmt->bind(15, alert.values_json).bind(16, alert.values_json);
  if (auto r = stmt->step(); !r) return fail(r.error());
  if (auto after = escalate_after(escalation_, alert.priority); after.count() > 0) {
    if (auto r = put_deadline(alert.alert_id, 1, alert.created + after); !r) return fail(r.error());
  }
  return this->alert(alert.alert_id);
}

Result<void> AlertBook::raise_into(StoredAlert alert, const std::string& group_subject,
                                   std::vector<StoredAlert>& out) {
  auto raised = raise(std::move(alert), group_subject);
  if (!raised) return fail(raised.error());
  if (*raised) out.push_back(std::move(**raised));
  return {};
}

#ifndef KOTONA_BROKEN_IN_MEMORY_ESCALATION
Result<void> AlertBook::put_deadline(const AlertId& id, std::int64_t tier, HubTime due) {
  auto stmt = db_.prepare(
      "INSERT INTO escalation_deadlines(alert_id, tier, due_unix_ms) VALUES(?,?,?) "
      "ON CONFLICT(alert_id) DO UPDATE SET tier = excluded.tier, due_unix_ms = "
      "excluded.due_unix_ms");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, id.value).bind(2, tier).bind(3, ms(due));
  if (auto r = stmt->step(); !r) return fail(r.error());
  return {};
}

Result<void> AlertBook::drop_deadline(const AlertId& id) {
  auto stmt = db_.prepare("DELETE FROM escalation_deadlines WHERE alert_id = ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, id.value);
  if (auto r = stmt->step(); !r) return fail(r.error());
  return {};
}

Result<std::vector<std::pair<AlertId, std::int64_t>>> AlertBook::due_deadlines(HubTime now) {
  std::vector<std::pair<AlertId, std::int64_t>> due;
  auto stmt = db_.prepare(
      "SELECT alert_id, tier FROM escalation_deadlines WHERE due_unix_ms <= ? "
      "ORDER BY due_unix_ms, alert_id");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, ms(now));
  while (true) {
    auto row = stmt->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    due.emplace_back(AlertId{stmt->column_text(0)}, stmt->column_int(1));
  }
  return due;
}
#else
// NEGATIVE CONTROL ONLY (cmake -DKOTONA_BROKEN=in_memory_escalation): deadlines kept in a map
// instead of rows, as an in-memory timer would. A server killed before the deadline forgets
// it: tests/reliability must report the lost escalation. (A rolled-back transaction would
// also leave a stale entry here; it does not matter for the control.)
Result<void> AlertBook::put_deadline(const AlertId& id, std::int64_t tier, HubTime due) {
  memory_deadlines_[id.value] = {tier, due};
  return {};
}

Result<void> AlertBook::drop_deadline(const AlertId& id) {
  memory_deadlines_.erase(id.value);
  return {};
}

Result<std::vector<std::pair<AlertId, std::int64_t>>> AlertBook::due_deadlines(HubTime now) {
  std::vector<std::pair<AlertId, std::int64_t>> due;
  for (const auto& [id, deadline] : memory_deadlines_) {
    if (deadline.second <= now) due.emplace_back(AlertId{id}, deadline.first);
  }
  return due;
}
#endif

Result<ActionOutcome> AlertBook::acknowledge(const AlertId& id, const std::string& actor,
                                             const std::string& note, HubTime now) {
  return act(id, AlertAction::kAcknowledge, actor, Resolution{note, ""}, now);
}

Result<ActionOutcome> AlertBook::resolve(const AlertId& id, const std::string& actor,
                                         const std::string& note, HubTime now) {
  return act(id, AlertAction::kResolve, actor, Resolution{note, ""}, now);
}

Result<ActionOutcome> AlertBook::resolve(const AlertId& id, const std::string& actor,
                                         const Resolution& resolution, HubTime now) {
  return act(id, AlertAction::kResolve, actor, resolution, now);
}

Result<ActionOutcome> AlertBook::act(const AlertId& id, AlertAction action,
                                     const std::string& actor, const Resolution& what,
                                     HubTime now) {
  const std::string& note = what.note;
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  auto current = alert(id);
  if (!current) return fail(current.error());
  if (!*current) return ActionOutcome{ActionStatus::kNoSuchAlert, {}};
  const bool ack = action == AlertAction::kAcknowledge;
  const auto state = (*current)->state;
  if (ack ? state != AlertState::kOpen : state == AlertState::kResolved) {
    return ActionOutcome{ActionStatus::kWrongState, **current};
  }
  auto event =
      add_event(id, to_string(ack ? AlertState::kAcknowledged : AlertState::kResolved), now);
  if (!event) return fail(event.error());
  auto update = db_.prepare(
      ack ? "UPDATE alerts SET state = 'acknowledged', acked_by = ?, ack_note = ?, "
            "acked_unix_ms = ?, last_event_id = ? WHERE alert_id = ?"
          : "UPDATE alerts SET state = 'resolved', resolved_by = ?, resolve_note = ?, "
            "resolved_unix_ms = ?, last_event_id = ?, actionable = ? WHERE alert_id = ?");
  if (!update) return fail(update.error());
  update->bind(1, actor).bind(2, note).bind(3, ms(now)).bind(4, *event);
  if (ack) {
    update->bind(5, id.value);
  } else {
    auto answer =
        what.actionable.empty() ? std::nullopt : std::optional<std::string>(what.actionable);
    update->bind(5, answer).bind(6, id.value);
  }
  if (auto r = update->step(); !r) return fail(r.error());
  if (auto r = drop_deadline(id); !r) return fail(r.error());
  const std::string detail =
      what.actionable.empty() ? note : note + " [actionable: " + what.actionable + "]";
  AuditRow audit{0, now, actor, std::string(to_string(action)), id, detail, {}, {}};
  if (auto r = audit_.append(audit); !r) return fail(r.error());
  auto after = alert(id);
  if (!after) return fail(after.error());
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return ActionOutcome{ActionStatus::kDone, **after};
}

// One deadline come due: escalate the alert one tier (event, audit row, next deadline) if it is
// still open. REQUIRES: inside escalate_due()'s transaction.
Result<std::optional<StoredAlert>> AlertBook::escalate_one(const AlertId& id, std::int64_t tier,
                                                           HubTime now) {
  auto current = alert(id);
  if (!current) return fail(current.error());
  if (auto r = drop_deadline(id); !r) return fail(r.error());
  if (!*current || (*current)->state != AlertState::kOpen) return std::optional<StoredAlert>{};
  auto event = add_event(id, "escalated", now);
  if (!event) return fail(event.error());
  auto update =
      db_.prepare("UPDATE alerts SET escalation_tier = ?, last_event_id = ? WHERE alert_id = ?");
  if (!update) return fail(update.error());
  update->bind(1, tier).bind(2, *event).bind(3, id.value);
  if (auto r = update->step(); !r) return fail(r.error());
  auto after = escalate_after(escalation_, (*current)->priority);
  if (tier < escalation_.max_tier && after.count() > 0) {
    if (auto r = put_deadline(id, tier + 1, now + after); !r) return fail(r.error());
  }
  AuditRow audit{0,          now, "system",
                 "escalate", id,  "tier " + std::to_string(tier) + ": not acknowledged in time",
                 {},         {}};
  if (auto r = audit_.append(audit); !r) return fail(r.error());
  return alert(id);
}

Result<std::vector<StoredAlert>> AlertBook::escalate_due(HubTime now) {
  std::vector<StoredAlert> out;
  auto quick = due_deadlines(now);  // no write lock while nothing is due (every check_ms)
  if (!quick) return fail(quick.error());
  if (quick->empty()) return out;
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  // Read again under the write lock: another writer may have acked or escalated meanwhile.
  auto due = due_deadlines(now);
  if (!due) return fail(due.error());
  for (const auto& [id, tier] : *due) {
    auto escalated = escalate_one(id, tier, now);
    if (!escalated) return fail(escalated.error());
    if (*escalated) out.push_back(std::move(**escalated));
  }
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return out;
}

}  // namespace kotona::server::store
