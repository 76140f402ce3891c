// Store: open (schema), the readiness probe and row counts; the work is in the stages.
#include "server/store/store.h"

#include <algorithm>
#include <array>

#include "server/store/schema.h"

namespace kotona::server::store {

HubTime measured_time(const Reading& reading) {
  if (reading.device_time && reading.clock_offset) {
    auto corrected = *reading.device_time - *reading.clock_offset;
    return std::chrono::time_point_cast<std::chrono::milliseconds>(corrected);
  }
  return reading.hub_time;
}

Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
  auto db = Database::open(path);
  if (!db) return fail(db.error());
  if (auto r = create_schema(**db); !r) return fail(r.error());
  return std::unique_ptr<Store>(new Store(std::move(*db)));
}

Result<void> Store::probe_write(HubTime now) {
  // A write transaction like every other (BEGIN IMMEDIATE: the write lock, a commit that must
  // reach the disk), changing one row: cheap, and it fails when the store refuses writes.
  Transaction transaction(*db_);
  if (auto r = transaction.begin(); !r) return r;
  if (auto r = technical_.set_seen_counter(
          "store.write_probe_unix_ms", static_cast<std::uint64_t>(now.time_since_epoch().count()));
      !r) {
    return r;
  }
  return transaction.commit();
}

Result<std::int64_t> Store::count_rows(std::string_view table) {
  static constexpr std::array<std::string_view, 14> kTables{"enrolment",
                                                            "readings",
                                                            "alerts",
                                                            "quarantine",
                                                            "gateway_status",
                                                            "alert_events",
                                                            "audit_log",
                                                            "audit_head",
                                                            "escalation_deadlines",
                                                            "patients",
                                                            "record_outbox",
                                                            "record_dead_letter",
                                                            "rule_thresholds",
                                                            "rule_threshold_changes"};
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
