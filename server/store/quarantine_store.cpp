// The quarantine (issue 13): what ingest could not store, kept bounded (per-hub cap, age
// limit, payload size limit), alerted (server/alerts/quarantine_alerts.h) in the transaction
// that quarantines it, and listed for admins. Release: quarantine_release.cpp.
#include <map>

#include "server/store/reading_json.h"
#include "server/store/reading_ledger.h"
#include "server/store/store_txn.h"

namespace kotona::server::store {

namespace {

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }

constexpr const char* kItemColumns =
    "SELECT id, received_unix_ms, topic, reason, COALESCE(reading_uid, ''), "
    "COALESCE(gateway_id, ''), COALESCE(device_serial, ''), COALESCE(payload_bytes, 0), "
    "COALESCE(reading_json, ''), released_unix_ms, COALESCE(released_by, ''), "
    "COALESCE(release_outcome, '') FROM quarantine ";

QuarantineItem item_from_row(const Statement& s) {
  QuarantineItem item;
  item.id = s.column_int(0);
  item.received = HubTime{std::chrono::milliseconds{s.column_int(1)}};
  item.topic = s.column_text(2);
  item.reason = s.column_text(3);
  item.reading_uid = s.column_text(4);
  item.gateway = s.column_text(5);
  item.device = s.column_text(6);
  item.payload_bytes = s.column_int(7);
  item.reading_json = s.column_text(8);
  if (!s.column_is_null(9)) item.released = HubTime{std::chrono::milliseconds{s.column_int(9)}};
  item.released_by = s.column_text(10);
  item.release_outcome = s.column_text(11);
  return item;
}

// The alert reason of a quarantine reason: "invalid: ..." is a decode failure like any other.
std::string alert_reason(const std::string& reason) {
  return reason.starts_with("invalid") ? "invalid" : reason;
}

}  // namespace

Result<void> ReadingLedger::insert_quarantine(HubTime received, const QuarantineItem& item,
                                              const std::string& payload) {
  if (!item.reading_uid.empty() && !item.reading_json.empty()) {
    // A re-sent batch (its ack was lost) must not hold the same reading twice; two different
    // readings under one uid (a conflict) are two items.
    auto held = db_.prepare(
        "SELECT 1 FROM quarantine WHERE reading_uid = ? AND reason = ? AND reading_json = ? "
        "AND released_unix_ms IS NULL");
    if (!held) return fail(held.error());
    held->bind(1, item.reading_uid).bind(2, item.reason).bind(3, item.reading_json);
    auto row = held->step();
    if (!row) return fail(row.error());
    if (*row) return {};
  }
  auto stmt = db_.prepare(
      "INSERT INTO quarantine(received_unix_ms, topic, reason, reading_uid, payload, gateway_id, "
      "device_serial, payload_bytes, reading_json) VALUES(?,?,?,?,?,?,?,?,?)");
  if (!stmt) return fail(stmt.error());
  // Over the limit the payload is never stored: the row keeps its reason and size.
  bool keep = payload.size() <= quarantine_limits_.max_payload_bytes;
  std::string reason =
      keep ? item.reason
           : item.reason + " (payload of " + std::to_string(payload.size()) + " bytes not kept)";
  stmt->bind(1, ms(received)).bind(2, item.topic).bind(3, reason);
  if (item.reading_uid.empty()) {
    stmt->bind(4, std::nullopt);
  } else {
    stmt->bind(4, item.reading_uid);
  }
  stmt->bind_blob(5, keep ? std::string_view(payload) : std::string_view());
  stmt->bind(6, item.gateway).bind(7, item.device);
  stmt->bind(8, static_cast<std::int64_t>(payload.size() + item.reading_json.size()));
  if (item.reading_json.empty()) {
    stmt->bind(9, std::nullopt);
  } else {
    stmt->bind(9, item.reading_json);
  }
  if (auto r = stmt->step(); !r) return fail(r.error());
  return {};
}

Result<void> ReadingLedger::raise_quarantine_alerts(const alerts::QuarantineEvent& event,
                                                    HubTime now, std::vector<StoredAlert>& out) {
  std::vector<PatientId> patients;
  if (event.reason == "not_enrolled" && !event.gateway.value.empty()) {
    auto on = technical_.patients_on(event.gateway, now);
    if (!on) return fail(on.error());
    patients = std::move(*on);
  }
  for (const auto& d : alerts::evaluate_quarantine(event, patients)) {
    if (auto r = alert_book_.raise_technical(d, now, ReadingUid{""}, out); !r) {
      return fail(r.error());
    }
  }
  return {};
}

// One event per (reason, device) of what the batch quarantined; decoded values named.
Result<void> ReadingLedger::after_quarantine(Txn& txn, const Batch& batch) {
  std::map<std::string, const Reading*> by_uid;  // filled at the first held reading
  std::map<std::pair<std::string, std::string>, alerts::QuarantineEvent> events;
  for (const auto& o : txn.outcome.readings) {
    if (o.disposition != Disposition::kQuarantined && o.disposition != Disposition::kRejected) {
      continue;
    }
    if (by_uid.empty()) {  // issue 15: not for every batch, most hold nothing
      for (const auto& r : batch.readings) by_uid[r.uid.value] = &r;
    }
    auto found = by_uid.find(o.reading_uid);
    const Reading* reading = found == by_uid.end() ? nullptr : found->second;
    std::string device = reading ? reading->device.serial.value : "";
    auto reason = alert_reason(o.reason.empty() ? "invalid" : o.reason);
    auto [it, fresh] = events.try_emplace({reason, device});
    auto& e = it->second;
    if (fresh) {
      // A rejected reading's uid is untrusted text: its episode is the receive time.
      e = {reason, txn.topic_gateway,
           device, reading ? o.reading_uid : std::to_string(ms(txn.received)),
           {},     0};
    }
    ++e.count;
    if (reading) {  // the values admit() encoded for the held item, not encoded again
      auto held = txn.held_values.find(o.reading_uid);
      e.values.push_back(std::string(kind_name(reading->measurement)) + " " +
                         (held != txn.held_values.end()
                              ? held->second
                              : encode_values_json(reading->measurement)));
    }
  }
  for (const auto& [key, event] : events) {
    if (auto r = raise_quarantine_alerts(event, txn.received, txn.outcome.new_alerts); !r) {
      return r;
    }
  }
  if (events.empty()) return {};
  auto evicted = evict_over_cap(txn.topic_gateway.value);
  if (!evicted) return fail(evicted.error());
  txn.outcome.quarantine_evicted = *evicted;
  if (*evicted > 0) {
    alerts::QuarantineEvent e{"evicted", txn.topic_gateway,
                              "",        std::to_string(ms(txn.received)),
                              {},        static_cast<int>(*evicted)};
    return raise_quarantine_alerts(e, txn.received, txn.outcome.new_alerts);
  }
  return {};
}

// Deletes the hub's oldest held items beyond the cap; returns how many.
Result<std::int64_t> ReadingLedger::evict_over_cap(const std::string& gateway) {
  auto stmt = db_.prepare(
      "DELETE FROM quarantine WHERE COALESCE(gateway_id, '') = ? AND released_unix_ms IS NULL "
      "AND id NOT IN (SELECT id FROM quarantine WHERE COALESCE(gateway_id, '') = ? AND "
      "released_unix_ms IS NULL ORDER BY id DESC LIMIT ?)");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, gateway)
      .bind(2, gateway)
      .bind(3, std::max<std::int64_t>(0, quarantine_limits_.per_gateway));
  if (auto r = stmt->step(); !r) return fail(r.error());
  return db_.changes();
}

Result<QuarantineWrite> ReadingLedger::quarantine_payload(const std::string& topic,
                                                          const std::string& gateway,
                                                          const std::string& reason,
                                                          const std::string& payload,
                                                          HubTime received) {
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  if (auto r = insert_quarantine(received, {.topic = topic, .reason = reason, .gateway = gateway},
                                 payload);
      !r) {
    return fail(r.error());
  }
  QuarantineWrite out;
  auto alert_as = reason.starts_with("bad_payload") ? std::string("bad_payload") : reason;
  alerts::QuarantineEvent e{alert_as, GatewayId{gateway}, "", std::to_string(ms(received)), {}, 1};
  if (auto r = raise_quarantine_alerts(e, received, out.new_alerts); !r) return fail(r.error());
  auto evicted = evict_over_cap(gateway);
  if (!evicted) return fail(evicted.error());
  out.evicted = *evicted;
  if (*evicted > 0) {
    alerts::QuarantineEvent ev{"evicted", GatewayId{gateway},        "", e.episode,
                               {},        static_cast<int>(*evicted)};
    if (auto r = raise_quarantine_alerts(ev, received, out.new_alerts); !r) return fail(r.error());
  }
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return out;
}

Result<QuarantineWrite> ReadingLedger::enforce_quarantine_limits(HubTime now) {
  auto cutoff =
      ms(now) -
      std::chrono::duration_cast<std::chrono::milliseconds>(quarantine_limits_.max_age).count();
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  auto held = db_.prepare(
      "SELECT COALESCE(gateway_id, ''), COUNT(*) FROM quarantine WHERE received_unix_ms < ? "
      "AND released_unix_ms IS NULL GROUP BY COALESCE(gateway_id, '') ORDER BY 1");
  if (!held) return fail(held.error());
  held->bind(1, cutoff);
  auto groups = collect_rows<std::pair<std::string, std::int64_t>>(held, [](const Statement& s) {
    return std::pair{s.column_text(0), s.column_int(1)};
  });
  if (!groups) return fail(groups.error());
  auto del = db_.prepare("DELETE FROM quarantine WHERE received_unix_ms < ?");
  if (!del) return fail(del.error());
  del->bind(1, cutoff);
  if (auto r = del->step(); !r) return fail(r.error());
  QuarantineWrite out;
  for (const auto& [gateway, n] : *groups) {
    out.evicted += n;
    alerts::QuarantineEvent e{"evicted", GatewayId{gateway}, "", "age-" + std::to_string(cutoff),
                              {},        static_cast<int>(n)};
    if (auto r = raise_quarantine_alerts(e, now, out.new_alerts); !r) return fail(r.error());
  }
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return out;
}

Result<std::vector<QuarantineItem>> ReadingLedger::quarantined(const QuarantineFilter& filter,
                                                               int limit) {
  std::string sql = std::string(kItemColumns) + "WHERE 1 = 1 ";
  if (filter.gateway) sql += "AND gateway_id = ? ";
  if (filter.reason) sql += "AND reason = ? ";
  if (filter.held_only) sql += "AND released_unix_ms IS NULL ";
  sql += "ORDER BY id DESC LIMIT ?";
  auto stmt = db_.prepare(sql);
  if (!stmt) return fail(stmt.error());
  int i = 1;
  if (filter.gateway) stmt->bind(i++, *filter.gateway);
  if (filter.reason) stmt->bind(i++, *filter.reason);
  stmt->bind(i, static_cast<std::int64_t>(limit));
  return collect_rows<QuarantineItem>(stmt, item_from_row);
}

Result<std::optional<QuarantineItem>> ReadingLedger::quarantine_item(std::int64_t id) {
  auto stmt = db_.prepare(std::string(kItemColumns) + "WHERE id = ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, id);
  auto rows = collect_rows<QuarantineItem>(stmt, item_from_row);
  if (!rows) return fail(rows.error());
  if (rows->empty()) return std::optional<QuarantineItem>{};
  return std::optional<QuarantineItem>{std::move(rows->front())};
}

}  // namespace kotona::server::store
