// ReadingLedger::release_quarantined (issue 13): a not_enrolled reading, once its device is
// enrolled, is ingested exactly once, rules included, in the transaction that marks its item
// released and writes the audit row. Its uid is the reading's own, so a second release (refused) or
// a re-send of the reading (a duplicate) stores nothing more.
#include "mqtt/topics.h"
#include "server/store/reading_json.h"
#include "server/store/reading_ledger.h"
#include "server/store/store_txn.h"

namespace kotona::server::store {

namespace {

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }

ReleaseOutcome refused(QuarantineItem item, std::string why) {
  return {WriteStatus::kConflict, std::move(why), std::move(item), {}};
}

}  // namespace

Result<ReleaseOutcome> ReadingLedger::release_quarantined(std::int64_t id, const std::string& actor,
                                                          HubTime now) {
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  auto found = quarantine_item(id);  // read under the write lock: two releases serialise
  if (!found) return fail(found.error());
  if (!*found) return ReleaseOutcome{};
  auto item = std::move(**found);
  if (item.reason != "not_enrolled") {
    return refused(std::move(item), "only not_enrolled items can be released");
  }
  if (item.released) return refused(std::move(item), "already released");
  auto reading = decode_reading_json(item.reading_json);
  if (!reading || reading->gateway.value != item.gateway) {
    return refused(std::move(item), "the held reading cannot be decoded");
  }
  GatewayId gateway{item.gateway};
  auto patient = patient_for(gateway, *reading);
  if (!patient) return fail(patient.error());
  if (!*patient) {
    return refused(std::move(item),
                   "device not enrolled at the reading's measured time: enrol it first");
  }
  Txn txn{now, gateway, gateway, mqtt_link::readings_topic(GatewayId{item.gateway}), {}};
  auto outcome = store_one(txn, *reading);
  if (!outcome) return fail(outcome.error());
  if (outcome->disposition != Disposition::kStored &&
      outcome->disposition != Disposition::kDuplicate) {
    return refused(std::move(item), "not stored: " + std::string(to_string(outcome->disposition)));
  }
  auto mark = db_.prepare(
      "UPDATE quarantine SET released_unix_ms = ?, released_by = ?, release_outcome = ? "
      "WHERE id = ?");
  if (!mark) return fail(mark.error());
  std::string result(to_string(outcome->disposition));
  mark->bind(1, ms(now)).bind(2, actor).bind(3, result).bind(4, id);
  if (auto r = mark->step(); !r) return fail(r.error());
  AuditRow audit{0,
                 now,
                 actor,
                 "quarantine_release",
                 AlertId{"quarantine/" + std::to_string(id)},
                 "reading_uid=" + item.reading_uid + " outcome=" + result,
                 {},
                 {}};
  if (auto r = audit_log_.append(audit); !r) return fail(r.error());
  if (auto r = transaction.commit(); !r) return fail(r.error());
  item.released = now;
  item.released_by = actor;
  item.release_outcome = result;
  return ReleaseOutcome{WriteStatus::kDone, "", std::move(item), std::move(txn.outcome.new_alerts)};
}

}  // namespace kotona::server::store
