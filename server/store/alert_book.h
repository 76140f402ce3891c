// AlertBook: the store's one home of alerting (issue 16). Clinical rules of a stored reading,
// technical drafts, grouping into open alerts, events (SSE ids), escalation deadlines (rows,
// invariant 7) and the lifecycle actions with their audit rows (invariant 9). Tables alerts,
// alert_events, alert_grouped, escalation_deadlines. Borrows the store's Database and AuditLog;
// not thread-safe: io thread only.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "server/alerts/rules.h"
#include "server/alerts/technical.h"
#include "server/store/audit.h"
#include "server/store/database.h"
#include "server/store/thresholds.h"
#include "server/store/types.h"

namespace kotona::server::store {

// A resolution (issue 18 part 8): the note, and the resolving clinician's answer to "was it
// clinically actionable?": "yes", "no" or "unsure"; empty when not asked (an API client that
// does not send it).
struct Resolution {
  std::string note;
  std::string actionable;
};

// One alert as the yield view counts it (issue 18 part 8).
struct YieldFact {
  std::string rule_id;
  PatientId patient;
  HubTime created{};
  std::optional<HubTime> acked;  // nullopt: never acknowledged
  std::string actionable;        // empty: not answered (or not resolved)
};

class AlertBook {
 public:
  AlertBook(Database& db, AuditLog& audit) : db_(db), audit_(audit), thresholds_(db, audit) {}
  AlertBook(const AlertBook&) = delete;
  AlertBook& operator=(const AlertBook&) = delete;

  // Per-patient rule settings (config `rule` lines), by patient id: the seed of the
  // thresholds in force (thresholds()); patients not listed get the defaults. Used for every
  // reading stored after the call.
  void set_rule_configs(std::map<std::string, alerts::RuleConfig> by_patient) {
    thresholds_.set_seed(std::move(by_patient));
  }
  // Each patient's thresholds in force: the seed and the clinicians' changes (issue 18 part 5),
  // read by raise_for_reading() in the reading's transaction.
  ThresholdBook& thresholds() { return thresholds_; }
  // Applies to alerts raised after the call (their deadline rows).
  void set_escalation_policy(const EscalationPolicy& policy) { escalation_ = policy; }

  // --- Raising. REQUIRES: inside the caller's write transaction. A new or grouped alert is
  // appended to `out`; an alert id seen before (same reading + rule, same episode) adds
  // nothing. Errors: kIo.
  // A newly stored reading: the clinical rules, weight.gain (the patient's earlier weights,
  // read in the transaction) and, when it is flagged implausible, reading.implausible.
  [[nodiscard]] Result<void> raise_for_reading(const Reading& reading, const PatientId& patient,
                                               HubTime created, std::vector<StoredAlert>& out);
  // A technical draft, grouped by its subject; `reading` names the reading it is about, if any.
  [[nodiscard]] Result<void> raise_technical(const alerts::TechnicalDraft& draft, HubTime created,
                                             const ReadingUid& reading,
                                             std::vector<StoredAlert>& out);
  // reading.unrepresentable for a value no store may hold, one per patient of `patients`
  // (the hub's; a system alert when empty).
  [[nodiscard]] Result<void> raise_unrepresentable(const GatewayId& gateway,
                                                   const RejectedReading& rejected,
                                                   std::vector<PatientId> patients,
                                                   HubTime received, std::vector<StoredAlert>& out);
  // raise_technical() for each draft in ONE transaction of its own. Returns the new ones,
  // ascending event_id. Errors: kIo (nothing inserted).
  [[nodiscard]] Result<std::vector<StoredAlert>> insert_technical_alerts(
      const std::vector<alerts::TechnicalDraft>& drafts, HubTime now);

  // --- Lifecycle. Each action commits the alert's new state, its event and its audit row in
  // ONE transaction. Errors: kIo (nothing changed).
  // open -> acknowledged; stops escalation. kWrongState unless open.
  [[nodiscard]] Result<ActionOutcome> acknowledge(const AlertId& id, const std::string& actor,
                                                  const std::string& note, HubTime now);
  // open or acknowledged -> resolved; stops escalation. kWrongState when already resolved.
  [[nodiscard]] Result<ActionOutcome> resolve(const AlertId& id, const std::string& actor,
                                              const std::string& note, HubTime now);
  // The same with the clinically-actionable answer, stored beside the note (alerts.actionable)
  // and in the audit row's detail ("NOTE [actionable: yes]").
  [[nodiscard]] Result<ActionOutcome> resolve(const AlertId& id, const std::string& actor,
                                              const Resolution& resolution, HubTime now);
  // Claim ("I am handling this", issue 18 part 3): `take` true marks the alert as handled by
  // `actor`, false releases the actor's own claim; event "claimed" / "unclaimed" (the feed
  // shows it live) and audit row "claim" / "unclaim". kWrongState: claiming a resolved alert
  // or one another user holds (outcome.alert.claimed_by says who), releasing a claim that is
  // not the actor's. Claiming one's own claim again is kDone and writes nothing.
  [[nodiscard]] Result<ActionOutcome> claim(const AlertId& id, const std::string& actor, bool take,
                                            HubTime now);
  // An admin takes over a colleague's claim: the alert becomes `actor`'s, event "taken_over"
  // and audit row "takeover" with detail "from PREVIOUS HOLDER". An unclaimed alert is
  // claimed as by claim(); one's own claim again is kDone and writes nothing. kWrongState: the
  // alert is resolved. (Who may take over is the caller's check: admins, at the API.)
  [[nodiscard]] Result<ActionOutcome> take_over(const AlertId& id, const std::string& actor,
                                                HubTime now);
  // A note on the alert (any state): the note row, event "noted" (its count in the feed) and
  // audit row "note" with the text. REQUIRES: text 1..kMaxNoteBytes (notes.h).
  [[nodiscard]] Result<ActionOutcome> add_note(const AlertId& id, const std::string& actor,
                                               const std::string& text, HubTime now);
  // The alert's notes, oldest first (at most the newest `limit`). Errors: kIo.
  [[nodiscard]] Result<std::vector<Note>> notes(const AlertId& id, int limit);
  // Escalates every open alert whose deadline passed (one tier, audit row, event; the next
  // deadline row if below max tier), one transaction. Returns the escalated alerts.
  [[nodiscard]] Result<std::vector<StoredAlert>> escalate_due(HubTime now);

  // --- Queries (alert_queries.cpp). Errors: kIo.
  // Newest first (by creation), at most `limit`, optionally filtered.
  [[nodiscard]] Result<std::vector<StoredAlert>> recent_alerts(int limit,
                                                               const AlertFilter& filter = {});
  [[nodiscard]] Result<std::optional<StoredAlert>> alert(const AlertId& id);
  // Alert events with event_id > after, ascending, at most `limit`: each is the alert's
  // current state with that event's id and change (SSE replay, invariant 8).
  [[nodiscard]] Result<std::vector<StoredAlert>> alerts_after(std::int64_t after, int limit);
  // The highest committed event_id, 0 when there is none. Ids become visible in id order:
  // every event write runs under the write lock (BEGIN IMMEDIATE, README.md), so a reader
  // that sees id N also sees every lower id that will ever commit.
  [[nodiscard]] Result<std::int64_t> last_event_id();
  // Alerts created at or after `since`, newest first, at most `limit` (so a cut drops the
  // oldest): the yield view's facts (issue 18 part 8).
  [[nodiscard]] Result<std::vector<YieldFact>> yield_facts(HubTime since, int limit);

 private:
  // Raises `alert`, grouping it into an open alert of the same patient, rule, priority and
  // `group_subject` ("" for clinical rules; the device, hub or "broker" for technical ones),
  // writing its event and escalation deadline. nullopt when its alert id exists.
  [[nodiscard]] Result<std::optional<StoredAlert>> raise(StoredAlert alert,
                                                         const std::string& group_subject);
  [[nodiscard]] Result<void> raise_into(StoredAlert alert, const std::string& group_subject,
                                        std::vector<StoredAlert>& out);
  [[nodiscard]] Result<std::optional<AlertId>> open_group(const StoredAlert& alert,
                                                          const std::string& group_subject);
  [[nodiscard]] Result<std::optional<StoredAlert>> group_into(const AlertId& group,
                                                              const StoredAlert& alert);
  [[nodiscard]] Result<std::int64_t> add_event(const AlertId& id, std::string_view change,
                                               HubTime at);
  [[nodiscard]] Result<void> raise_implausible(const Reading& reading, const PatientId& patient,
                                               HubTime created, std::vector<StoredAlert>& out);
  [[nodiscard]] Result<std::vector<alerts::AlertDraft>> weight_trend(const Reading& reading,
                                                                     const PatientId& patient,
                                                                     const alerts::RuleConfig& c);
  [[nodiscard]] Result<ActionOutcome> act(const AlertId& id, AlertAction action,
                                          const std::string& actor, const Resolution& what,
                                          HubTime now);
  [[nodiscard]] Result<std::optional<StoredAlert>> escalate_one(const AlertId& id,
                                                                std::int64_t tier, HubTime now);
  [[nodiscard]] Result<std::vector<std::pair<AlertId, std::int64_t>>> due_deadlines(HubTime now);
  // Escalation deadlines: rows (invariant 7), written in the alert's transaction.
  [[nodiscard]] Result<void> put_deadline(const AlertId& id, std::int64_t tier, HubTime due);
  [[nodiscard]] Result<void> drop_deadline(const AlertId& id);

  Database& db_;
  AuditLog& audit_;
  ThresholdBook thresholds_;
  EscalationPolicy escalation_;
  // Used ONLY by the negative-control build KOTONA_BROKEN=in_memory_escalation (deadlines in
  // memory, lost on restart); empty otherwise.
  std::map<std::string, std::pair<std::int64_t, HubTime>> memory_deadlines_;
};

}  // namespace kotona::server::store
