// A reading whose reading_uid is already stored (issue 13). The same content is a re-send
// (DUPLICATE). Different content means two measurements claim one id: a meter whose record
// counter restarted, or a forged or early reading that came first. Neither value may vanish
// (invariant 13): the later one is stored under a derived uid, flagged uid_conflict,
// evaluated by the clinical rules, and a technical alert names both values.

#include <array>

#include "server/store/digest.h"
#include "server/store/reading_json.h"
#include "server/store/reading_ledger.h"
#include "server/store/store_txn.h"

namespace kotona::server::store {

namespace {

// What makes two readings of one uid "the same reading".
struct Content {
  std::string values_json;
  std::optional<std::int64_t> device_s;
  std::string serial;
  friend bool operator==(const Content&, const Content&) = default;
};

Content content_of(const Reading& reading, const std::string& values_json) {
  std::optional<std::int64_t> device_s;
  if (reading.device_time) device_s = reading.device_time->time_since_epoch().count();
  return {values_json, device_s, reading.device.serial.value};
}

Result<std::optional<Content>> stored_content(Database& db, const std::string& uid) {
  auto stmt = db.prepare(
      "SELECT values_json, device_time_unix_s, device_serial FROM readings WHERE reading_uid = ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, uid);
  auto row = stmt->step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<Content>{};
  Content c{stmt->column_text(0), std::nullopt, stmt->column_text(2)};
  if (!stmt->column_is_null(1)) c.device_s = stmt->column_int(1);
  return std::optional<Content>{std::move(c)};
}

// uid + "~c" + the first 12 hex digits of SHA-256 over the content: deterministic, so a
// re-send of the same conflicting reading finds its row and stays idempotent.
std::string derived_uid(const std::string& uid, const Content& c) {
  std::string text = c.values_json + "\n" +
                     (c.device_s ? std::to_string(*c.device_s) : std::string("-")) + "\n" +
                     c.serial;
  return uid + "~c" + sha256_hex(text).substr(0, 12);
}

}  // namespace

Result<ReadingOutcome> ReadingLedger::same_or_conflict(Txn& txn, const Row& row) {
  const Reading& reading = row.reading;
  const PatientId& patient = row.patient;
  const Content mine = content_of(reading, row.values_json);
  auto stored = stored_content(db_, reading.uid.value);
  if (!stored) return fail(stored.error());
  if (*stored && **stored == mine) {
    return ReadingOutcome{reading.uid.value, Disposition::kDuplicate};
  }
  const Content first = stored->value_or(Content{});
  Row derived_row{reading, patient, row.values_json};
  Reading& derived = derived_row.reading;
  derived.uid = ReadingUid{derived_uid(reading.uid.value, mine)};
  derived.quality.uid_conflict = true;
  alerts::UidConflict conflict{txn.topic_gateway, reading.device.serial, patient,
                               reading.uid.value, derived.uid.value,     first.values_json,
                               first.device_s,    mine.values_json,      mine.device_s};
  auto inserted = insert_readings(txn, std::span<const Row>(&derived_row, 1));
  if (!inserted) return fail(inserted.error());
  if (!inserted->front()) {
    auto again = stored_content(db_, derived.uid.value);
    if (!again) return fail(again.error());
    if (*again && **again == mine) {  // this conflicting reading was sent before
      return ReadingOutcome{reading.uid.value, Disposition::kDuplicate};
    }
    // The derived uid holds yet other content (a 48-bit hash collision): keep this one in
    // quarantine, with its decoded reading and hub like every held item, and still tell the
    // care team about both values.
    auto r = insert_quarantine(txn.received,
                               {.topic = txn.topic,
                                .reason = "uid_conflict",
                                .reading_uid = reading.uid.value,
                                .gateway = txn.topic_gateway.value,
                                .device = reading.device.serial.value,
                                .reading_json = encode_reading_json(reading, row.values_json)},
                               "");
    if (!r) return fail(r.error());
    txn.held_values[reading.uid.value] = row.values_json;
    if (auto a = raise_uid_conflict_alert(txn, conflict); !a) return fail(a.error());
    return ReadingOutcome{reading.uid.value, Disposition::kQuarantined, "uid_conflict"};
  }
  if (auto r =
          alert_book_.raise_for_reading(derived, patient, txn.received, txn.outcome.new_alerts);
      !r) {
    return fail(r.error());
  }
  if (auto r = raise_uid_conflict_alert(txn, conflict); !r) return fail(r.error());
  return ReadingOutcome{reading.uid.value, Disposition::kConflict, "", derived.uid.value};
}

Result<void> ReadingLedger::raise_uid_conflict_alert(Txn& txn,
                                                     const alerts::UidConflict& conflict) {
  // Grouped per device: a reset meter's many conflicts are one open alert, not a flood.
  return alert_book_.raise_technical(alerts::evaluate_uid_conflict(conflict), txn.received,
                                     ReadingUid{conflict.derived_uid}, txn.outcome.new_alerts);
}

}  // namespace kotona::server::store
