// ThresholdBook (thresholds.h): the thresholds in force per patient, their changes and audit.
#include "server/store/thresholds.h"

#include <algorithm>

#include "core/log.h"

namespace kotona::server::store {

namespace {

constexpr std::string_view kLog = "store";

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }
HubTime at_ms(std::int64_t v) { return HubTime{std::chrono::milliseconds{v}}; }

// A value's text as a setting takes it: no blank inside (a line splits there).
bool is_one_word(const std::string& text) {
  return !text.empty() && text.find_first_of(" \t\r\n=") == std::string::npos;
}

bool is_known(const std::string& key) {
  auto fields = alerts::rule_setting_fields();
  return std::any_of(fields.begin(), fields.end(), [&](const auto& f) { return f.key == key; });
}

std::string shown(const std::optional<std::string>& v) { return v ? *v : "-"; }

}  // namespace

void ThresholdBook::set_seed(std::map<std::string, alerts::RuleConfig> by_patient) {
  seed_ = std::move(by_patient);
  cache_.clear();
  refused_.clear();
  cache_version_ = -1;
}

const alerts::RuleConfig& ThresholdBook::seed(const PatientId& patient) const {
  static const alerts::RuleConfig kDefaults;
  auto found = seed_.find(patient.value);
  return found == seed_.end() ? kDefaults : found->second;
}

Result<std::int64_t> ThresholdBook::newest_change() {
  auto stmt = db_.prepare("SELECT COALESCE(MAX(id), 0) FROM rule_threshold_changes");
  if (!stmt) return fail(stmt.error());
  auto row = stmt->step();
  if (!row) return fail(row.error());
  return *row ? stmt->column_int(0) : 0;
}

Result<std::map<std::string, ThresholdBook::Stored>> ThresholdBook::stored(
    const PatientId& patient) {
  auto stmt = db_.prepare(
      "SELECT setting, value_text, set_by, set_unix_ms FROM rule_thresholds WHERE patient_id = ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, patient.value);
  std::map<std::string, Stored> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    out[stmt->column_text(0)] = {stmt->column_text(1), stmt->column_text(2),
                                 at_ms(stmt->column_int(3))};
  }
  return out;
}

Result<alerts::RuleConfig> ThresholdBook::in_force(const PatientId& patient) {
  // Pinned: read once in this transaction (VersionPin); else on every call.
  if (!(pinned_ && version_read_)) {
    auto version = newest_change();
    if (!version) return fail(version.error());
    if (*version != cache_version_) {
      cache_.clear();
      refused_.clear();
      cache_version_ = *version;
    }
    version_read_ = true;
  }
  if (auto hit = cache_.find(patient.value); hit != cache_.end()) return hit->second;
  alerts::RuleConfig config = seed(patient);
  auto rows = stored(patient);
  if (!rows) return fail(rows.error());
  if (!rows->empty()) {
    std::string line;
    for (const auto& [key, v] : *rows) line += key + "=" + v.text + " ";
    if (auto refused = alerts::apply_rule_settings(line, config)) {
      // Alerts still fire, on the seed's limits; the page shows the stored values refused.
      log_error(kLog, "thresholds of patient " + patient.value +
                          " refused on the config seed, seed in force: " + refused->detail);
      refused_[patient.value] = *refused;
    }
  }
  cache_[patient.value] = config;
  return config;
}

std::optional<alerts::RuleSettingRefusal> ThresholdBook::refusal(const PatientId& patient) const {
  auto found = refused_.find(patient.value);
  if (found == refused_.end()) return std::nullopt;
  return found->second;
}

Result<std::vector<ThresholdChange>> ThresholdBook::history(const PatientId& patient, int limit) {
  auto stmt = db_.prepare(
      "SELECT id, setting, before_text, after_text, actor, at_unix_ms FROM "
      "rule_threshold_changes WHERE patient_id = ? ORDER BY id DESC LIMIT ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, patient.value).bind(2, static_cast<std::int64_t>(limit));
  std::vector<ThresholdChange> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    ThresholdChange c;
    c.id = stmt->column_int(0);
    c.key = stmt->column_text(1);
    if (!stmt->column_is_null(2)) c.before = stmt->column_text(2);
    if (!stmt->column_is_null(3)) c.after = stmt->column_text(3);
    c.actor = stmt->column_text(4);
    c.at = at_ms(stmt->column_int(5));
    out.push_back(std::move(c));
  }
  return out;
}

Result<Thresholds> ThresholdBook::thresholds(const PatientId& patient, int history_limit) {
  auto config = in_force(patient);
  if (!config) return fail(config.error());
  const auto why = refusal(patient);
  auto rows = stored(patient);
  if (!rows) return fail(rows.error());
  static const alerts::RuleConfig kDefaults;
  const auto& seeded = seed(patient);
  Thresholds out;
  for (const auto& field : alerts::rule_setting_fields()) {
    ThresholdValue v;
    v.key = std::string(field.key);
    v.value = (*config).*field.member;
    v.default_value = kDefaults.*field.member;
    auto row = rows->find(v.key);
    if (row != rows->end()) {
      v.source = "set";
      v.set_by = row->second.by;
      v.set_at = row->second.at;
      v.stored = row->second.text;
      v.in_force = !why;
      v.refusal = why;
    } else {
      v.source = seeded.*field.member != v.default_value ? "config" : "default";
    }
    out.values.push_back(std::move(v));
  }
  auto changes = history(patient, history_limit);
  if (!changes) return fail(changes.error());
  out.history = std::move(*changes);
  return out;
}

Result<ThresholdWrite> ThresholdBook::change(const PatientId& patient, const ThresholdEdits& edits,
                                             const std::string& actor, HubTime now,
                                             int history_limit) {
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  auto rows = stored(patient);
  if (!rows) return fail(rows.error());
  // The stored values the edits leave, then the edits: one line, checked as a config line.
  std::map<std::string, std::optional<std::string>> next;
  for (const auto& [key, v] : *rows) next[key] = v.text;
  if (edits.empty()) {
    return ThresholdWrite{alerts::RuleSettingRefusal{"empty", "", "", "no rule settings given"},
                          {}};
  }
  std::map<std::string, std::optional<std::string>> wanted;
  for (const auto& [key, value] : edits) {
    if (!is_known(key)) {
      return ThresholdWrite{alerts::RuleSettingRefusal{"unknown", key, value.value_or(""),
                                                       "unknown rule setting: " + key},
                            {}};
    }
    if (value && !is_one_word(*value)) {
      return ThresholdWrite{alerts::RuleSettingRefusal{
                                "number", key, *value,
                                "rule setting " + key + ": not a non-negative number: " + *value},
                            {}};
    }
    next[key] = value;
    wanted[key] = value;  // a key given twice: the last
  }
  // The values that would be in force, checked on the seed as one config line.
  std::string line;
  for (const auto& [key, value] : next) {
    if (value) line += key + "=" + *value + " ";
  }
  alerts::RuleConfig check = seed(patient);
  if (!line.empty()) {
    if (auto refused = alerts::apply_rule_settings(line, check)) {
      return ThresholdWrite{std::move(refused), {}};
    }
  }
  std::string detail;
  for (const auto& [key, value] : wanted) {
    auto row = rows->find(key);
    std::optional<std::string> before;
    if (row != rows->end()) before = row->second.text;
    if (before == value) continue;
    auto write =
        value ? db_.prepare(
                    "INSERT INTO rule_thresholds(patient_id, setting, value_text, set_by, "
                    "set_unix_ms) VALUES(?,?,?,?,?) ON CONFLICT(patient_id, setting) DO "
                    "UPDATE SET value_text = excluded.value_text, set_by = excluded.set_by, "
                    "set_unix_ms = excluded.set_unix_ms")
              : db_.prepare("DELETE FROM rule_thresholds WHERE patient_id = ? AND setting = ?");
    if (!write) return fail(write.error());
    write->bind(1, patient.value).bind(2, key);
    if (value) write->bind(3, *value).bind(4, actor).bind(5, ms(now));
    if (auto r = write->step(); !r) return fail(r.error());
    auto log = db_.prepare(
        "INSERT INTO rule_threshold_changes(patient_id, setting, before_text, after_text, actor, "
        "at_unix_ms) VALUES(?,?,?,?,?,?)");
    if (!log) return fail(log.error());
    log->bind(1, patient.value).bind(2, key).bind(3, before).bind(4, value).bind(5, actor);
    log->bind(6, ms(now));
    if (auto r = log->step(); !r) return fail(r.error());
    detail += (detail.empty() ? "" : "; ") + key + ": " + shown(before) + " -> " + shown(value);
  }
  if (!detail.empty()) {
    AuditRow audit{0,      now, actor, "thresholds.update", AlertId{"patient/" + patient.value},
                   detail, {},  {}};
    if (auto r = audit_.append(audit); !r) return fail(r.error());
  }
  if (auto r = transaction.commit(); !r) return fail(r.error());
  auto after = thresholds(patient, history_limit);
  if (!after) return fail(after.error());
  return ThresholdWrite{std::nullopt, std::move(*after)};
}

}  // namespace kotona::server::store
