// ThresholdBook: each patient's rule thresholds in force (issue 18 part 5). The config `rule`
// lines are the seed (each instance's, set at start); a clinician's change is a row (table
// rule_thresholds: the value per patient and key, who set it, when; rule_threshold_changes:
// every change, append-only) written with its audit row, so every server instance sharing
// the database evaluates the next reading with it, without a restart. in_force() caches each
// patient's RuleConfig and drops the cache when the newest change id, read in the caller's
// transaction, has moved: once per ingest transaction while a VersionPin is held (issue 15),
// else on every call. Borrows the store's Database and AuditLog; io thread only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/alerts/rules.h"
#include "server/store/audit.h"
#include "server/store/database.h"
#include "server/store/types.h"

namespace kotona::server::store {

// One threshold as the page shows it: the value in force and where it comes from.
struct ThresholdValue {
  std::string key;  // a RuleConfig field name (alerts::rule_setting_fields())
  double value = 0;
  double default_value = 0;       // RuleConfig{}: the guideline default
  std::string source;             // "default", "config" (the seed's line) or "set"
  std::string set_by;             // source "set": the clinician
  std::optional<HubTime> set_at;  // source "set"
  std::string stored;             // source "set": the stored text
  // False when the stored values are refused on the config seed (a config line changed since
  // they were set): `value` is then the seed's, the one the rules use, and `refusal` says why.
  bool in_force = true;
  std::optional<alerts::RuleSettingRefusal> refusal;
};

// One change, as the history lists it. nullopt: not set (seed or default in force).
struct ThresholdChange {
  std::int64_t id = 0;
  std::string key;
  std::optional<std::string> before, after;
  std::string actor;
  HubTime at{};
};

struct Thresholds {
  std::vector<ThresholdValue> values;    // in rule_setting_fields() order
  std::vector<ThresholdChange> history;  // newest first
};

// A change asked for: key -> the value's text, nullopt to go back to the seed or default.
using ThresholdEdits = std::vector<std::pair<std::string, std::optional<std::string>>>;

struct ThresholdWrite {
  std::optional<alerts::RuleSettingRefusal> refused;  // set: nothing was written
  Thresholds after;                                   // when accepted
};

class ThresholdBook {
 public:
  ThresholdBook(Database& db, AuditLog& audit) : db_(db), audit_(audit) {}
  ThresholdBook(const ThresholdBook&) = delete;
  ThresholdBook& operator=(const ThresholdBook&) = delete;

  // Held by the ingest for one write transaction (store_batch, store_batches) after its BEGIN
  // IMMEDIATE: the first in_force() in it reads the newest change id, the later ones trust it
  // (it was one more statement per reading: on PostgreSQL one more round trip). Sound because
  // change() writes under the same write lock (SQLite's; PostgreSQL's advisory lock), so no
  // instance can commit a change while the pinning transaction holds it; the next transaction
  // reads the id again. Nests (an inner pin keeps the outer's reading).
  class VersionPin {
   public:
    explicit VersionPin(ThresholdBook& book) : book_(book), outer_(book.pinned_) {
      if (!outer_) book_.version_read_ = false;
      book_.pinned_ = true;
    }
    ~VersionPin() { book_.pinned_ = outer_; }
    VersionPin(const VersionPin&) = delete;
    VersionPin& operator=(const VersionPin&) = delete;

   private:
    ThresholdBook& book_;
    bool outer_;
  };

  // The config `rule` lines by patient id (patients not listed: the defaults).
  void set_seed(std::map<std::string, alerts::RuleConfig> by_patient);

  // The patient's thresholds in force: the seed with the stored values. Inside a transaction
  // (the reading's) it sees every change committed before that transaction. A stored set the
  // seed no longer accepts (a config line changed since) is logged once per cache fill and
  // the seed used; refusal() then says why (AlertBook raises thresholds.refused). Errors: kIo.
  [[nodiscard]] Result<alerts::RuleConfig> in_force(const PatientId& patient);
  // Why the patient's stored values are not in force (refused on the seed), as found by the
  // last in_force() for the patient; nullopt: in force, or none stored.
  std::optional<alerts::RuleSettingRefusal> refusal(const PatientId& patient) const;
  // Every threshold of the patient with its source, and the newest `history_limit` changes.
  [[nodiscard]] Result<Thresholds> thresholds(const PatientId& patient, int history_limit);
  // Applies `edits` as one change, validated as a config `rule` line on the seed with the
  // other stored values (alerts::apply_rule_settings: unknown key, not a number,
  // inconsistent limits are refused, nothing written). Accepted: the rows, one history row
  // per changed key and audit row "thresholds.update" (subject patient/ID, detail
  // "key: before -> after; ...") in ONE transaction; a value already in force writes nothing.
  // Errors: kIo (nothing changed).
  [[nodiscard]] Result<ThresholdWrite> change(const PatientId& patient, const ThresholdEdits& edits,
                                              const std::string& actor, HubTime now,
                                              int history_limit);

 private:
  struct Stored {
    std::string text, by;
    HubTime at{};
  };
  [[nodiscard]] Result<std::map<std::string, Stored>> stored(const PatientId& patient);
  [[nodiscard]] Result<std::int64_t> newest_change();
  [[nodiscard]] Result<std::vector<ThresholdChange>> history(const PatientId& patient, int limit);
  const alerts::RuleConfig& seed(const PatientId& patient) const;

  Database& db_;
  AuditLog& audit_;
  std::map<std::string, alerts::RuleConfig> seed_;
  std::map<std::string, alerts::RuleConfig> cache_;  // in force, as of cache_version_
  std::map<std::string, alerts::RuleSettingRefusal> refused_;  // beside cache_: not in force
  std::int64_t cache_version_ = -1;
  bool pinned_ = false;        // a VersionPin is held
  bool version_read_ = false;  // pinned_: cache_version_ was read in the pinned transaction
};

}  // namespace kotona::server::store
