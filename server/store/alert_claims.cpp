// AlertBook's worklist actions (issue 18 part 3): the claim ("I am handling this") and notes
// on an alert. Each is one transaction: the alert row, its event (the SSE feed carries it to
// colleagues live, invariant 8) and its audit row (invariant 9).
#include "server/store/alert_book.h"
#include "server/store/notes.h"

namespace kotona::server::store {

namespace {

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }

// The alert's holder (none: unclaimed) and its newest event, for claim, unclaim and take over.
Result<void> set_holder(Database& db, const AlertId& id, const std::string* holder,
                        std::int64_t event, HubTime now) {
  auto update = db.prepare(
      "UPDATE alerts SET claimed_by = ?, claimed_unix_ms = ?, last_event_id = ? "
      "WHERE alert_id = ?");
  if (!update) return fail(update.error());
  if (holder != nullptr) {
    update->bind(1, *holder).bind(2, ms(now));
  } else {
    update->bind(1, std::nullopt).bind(2, std::nullopt);
  }
  update->bind(3, event).bind(4, id.value);
  if (auto r = update->step(); !r) return fail(r.error());
  return {};
}

}  // namespace

Result<ActionOutcome> AlertBook::claim(const AlertId& id, const std::string& actor, bool take,
                                       HubTime now) {
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  auto current = alert(id);
  if (!current) return fail(current.error());
  if (!*current) return ActionOutcome{ActionStatus::kNoSuchAlert, {}};
  const auto& a = **current;
  const bool mine = a.claimed_by == actor;
  const bool refused =
      take ? a.state == AlertState::kResolved || (!a.claimed_by.empty() && !mine) : !mine;
  if (refused) return ActionOutcome{ActionStatus::kWrongState, a};
  if (take && mine) return ActionOutcome{ActionStatus::kDone, a};
  auto event = add_event(id, take ? "claimed" : "unclaimed", now);
  if (!event) return fail(event.error());
  if (auto r = set_holder(db_, id, take ? &actor : nullptr, *event, now); !r) {
    return fail(r.error());
  }
  AuditRow audit{0, now, actor, take ? "claim" : "unclaim", id, "", {}, {}};
  if (auto r = audit_.append(audit); !r) return fail(r.error());
  auto after = alert(id);
  if (!after) return fail(after.error());
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return ActionOutcome{ActionStatus::kDone, **after};
}

Result<ActionOutcome> AlertBook::take_over(const AlertId& id, const std::string& actor,
                                           HubTime now) {
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  auto current = alert(id);
  if (!current) return fail(current.error());
  if (!*current) return ActionOutcome{ActionStatus::kNoSuchAlert, {}};
  const auto& a = **current;
  if (a.state == AlertState::kResolved) return ActionOutcome{ActionStatus::kWrongState, a};
  if (a.claimed_by == actor) return ActionOutcome{ActionStatus::kDone, a};
  const std::string previous = a.claimed_by;
  auto event = add_event(id, previous.empty() ? "claimed" : "taken_over", now);
  if (!event) return fail(event.error());
  if (auto r = set_holder(db_, id, &actor, *event, now); !r) return fail(r.error());
  AuditRow audit{0,     now,
                 actor, previous.empty() ? "claim" : "takeover",
                 id,    previous.empty() ? "" : "from " + previous,
                 {},    {}};
  if (auto r = audit_.append(audit); !r) return fail(r.error());
  auto after = alert(id);
  if (!after) return fail(after.error());
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return ActionOutcome{ActionStatus::kDone, **after};
}

Result<ActionOutcome> AlertBook::add_note(const AlertId& id, const std::string& actor,
                                          const std::string& text, HubTime now) {
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  auto current = alert(id);
  if (!current) return fail(current.error());
  if (!*current) return ActionOutcome{ActionStatus::kNoSuchAlert, {}};
  if (auto r = insert_note(db_, "alert/" + id.value, actor, text, now); !r) return fail(r.error());
  auto event = add_event(id, "noted", now);
  if (!event) return fail(event.error());
  auto update = db_.prepare(
      "UPDATE alerts SET note_count = note_count + 1, last_event_id = ? WHERE alert_id = ?");
  if (!update) return fail(update.error());
  update->bind(1, *event).bind(2, id.value);
  if (auto r = update->step(); !r) return fail(r.error());
  AuditRow audit{0, now, actor, "note", id, text, {}, {}};
  if (auto r = audit_.append(audit); !r) return fail(r.error());
  auto after = alert(id);
  if (!after) return fail(after.error());
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return ActionOutcome{ActionStatus::kDone, **after};
}

Result<std::vector<Note>> AlertBook::notes(const AlertId& id, int limit) {
  return notes_of(db_, "alert/" + id.value, limit);
}

}  // namespace kotona::server::store
