// Store: the server's database (SQLite, WAL, synchronous=FULL, or PostgreSQL) and its schema,
// and the stage classes sharing it (issue 16); the ingest path is ledger().store_batch(): one
// transaction per batch, reading and its alerts together (invariant 7). Not thread-safe: owned
// by the io thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "server/alerts/quarantine_alerts.h"
#include "server/alerts/rules.h"
#include "server/alerts/technical.h"
#include "server/store/alert_book.h"
#include "server/store/audit.h"
#include "server/store/database.h"
#include "server/store/patient_register.h"
#include "server/store/quarantine_types.h"
#include "server/store/reading_ledger.h"
#include "server/store/technical_alerts.h"
#include "server/store/technical_store.h"
#include "server/store/types.h"
#include "server/store/user_settings.h"

namespace kotona::server::store {

class Store {
 public:
  // Opens or creates the database and its schema: `location` is an SQLite file path or a
  // PostgreSQL URI (database.h). Errors: kIo.
  [[nodiscard]] static Result<std::unique_ptr<Store>> open(const std::string& location);

  // One small write transaction (readiness, server/http/health.h): succeeds only when the
  // store accepts and commits a write. Errors: kIo.
  [[nodiscard]] Result<void> probe_write(HubTime now);

  // "sqlite" or "postgresql".
  std::string_view backend() const { return db_->backend(); }

  // Row counts, for tests and diagnostics. Errors: kIo.
  [[nodiscard]] Result<std::int64_t> count_rows(std::string_view table);

  // The stages sharing this store's Database (issue 16): the readings and quarantine (the
  // ingest path, store_batch), alerting (raise, group, lifecycle, escalation, alert queries),
  // the technical alerts raised from reported facts, the audit log and the record of the
  // delivery chain (heartbeats, counters seen), and each user's own settings.
  ReadingLedger& ledger() { return ledger_; }
  AlertBook& alert_book() { return alert_book_; }
  TechnicalAlerts& technical_alerts() { return technical_alerts_; }
  AuditLog& audit_log() { return audit_log_; }
  PatientRegister& patients() { return patients_; }
  TechnicalStore& technical() { return technical_; }
  SettingsBook& settings() { return settings_; }
  // Each patient's rule thresholds in force, their changes and history (issue 18 part 5).
  ThresholdBook& thresholds() { return alert_book_.thresholds(); }

 private:
  explicit Store(std::unique_ptr<Database> db)
      : db_(std::move(db)),
        audit_log_(*db_),
        alert_book_(*db_, audit_log_),
        technical_(*db_),
        patients_(*db_, audit_log_),
        technical_alerts_(*db_, alert_book_, technical_),
        ledger_(*db_, alert_book_, audit_log_, patients_, technical_),
        settings_(*db_, audit_log_) {}
  std::unique_ptr<Database> db_;
  AuditLog audit_log_;
  AlertBook alert_book_;
  TechnicalStore technical_;
  PatientRegister patients_;
  TechnicalAlerts technical_alerts_;
  ReadingLedger ledger_;
  SettingsBook settings_;
};

}  // namespace kotona::server::store
