// SettingsBook (user_settings.h): the user_settings table and its audited writes.
#include "server/store/user_settings.h"

namespace kotona::server::store {

namespace {

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }

std::optional<std::int64_t> as_int(const std::optional<bool>& b) {
  if (!b) return std::nullopt;
  return *b ? 1 : 0;
}

// The audit detail of one changed setting: "name=value", or "name cleared".
void describe_change(std::string& out, const char* name, const std::optional<std::string>& after) {
  if (!out.empty()) out += ", ";
  out += after ? std::string(name) + "=" + *after : std::string(name) + " cleared";
}

std::optional<std::string> on_off(const std::optional<bool>& b) {
  if (!b) return std::nullopt;
  return *b ? "on" : "off";
}

}  // namespace

Result<UserSettings> SettingsBook::settings(const std::string& user) {
  auto stmt = db_.prepare(
      "SELECT language, updated_unix_ms, alert_sound, alert_notify FROM user_settings "
      "WHERE user_name = ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, user);
  auto row = stmt->step();
  if (!row) return fail(row.error());
  UserSettings out{user, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  if (!*row) return out;
  if (!stmt->column_is_null(0)) out.language = stmt->column_text(0);
  out.updated = HubTime{std::chrono::milliseconds{stmt->column_int(1)}};
  if (!stmt->column_is_null(2)) out.alert_sound = stmt->column_int(2) != 0;
  if (!stmt->column_is_null(3)) out.alert_notify = stmt->column_int(3) != 0;
  return out;
}

Result<UserSettings> SettingsBook::save(const UserSettings& wanted, HubTime now) {
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  auto before = settings(wanted.user);
  if (!before) return fail(before.error());
  std::string detail;
  if (before->language != wanted.language) describe_change(detail, "language", wanted.language);
  if (before->alert_sound != wanted.alert_sound) {
    describe_change(detail, "alert_sound", on_off(wanted.alert_sound));
  }
  if (before->alert_notify != wanted.alert_notify) {
    describe_change(detail, "alert_notify", on_off(wanted.alert_notify));
  }
  if (detail.empty()) return before;
  auto write = db_.prepare(
      "INSERT INTO user_settings(user_name, updated_unix_ms, language, alert_sound, "
      "alert_notify) VALUES(?,?,?,?,?) "
      "ON CONFLICT(user_name) DO UPDATE SET updated_unix_ms = excluded.updated_unix_ms, "
      "language = excluded.language, alert_sound = excluded.alert_sound, "
      "alert_notify = excluded.alert_notify");
  if (!write) return fail(write.error());
  write->bind(1, wanted.user)
      .bind(2, ms(now))
      .bind(3, wanted.language)
      .bind(4, as_int(wanted.alert_sound))
      .bind(5, as_int(wanted.alert_notify));
  if (auto r = write->step(); !r) return fail(r.error());
  AuditRow audit{0,      now, wanted.user, "settings.update", AlertId{"user/" + wanted.user},
                 detail, {},  {}};
  if (auto r = audit_.append(audit); !r) return fail(r.error());
  if (auto r = transaction.commit(); !r) return fail(r.error());
  UserSettings after = wanted;
  after.updated = now;
  return after;
}

Result<UserSettings> SettingsBook::set_language(const std::string& user,
                                                const std::optional<std::string>& language,
                                                HubTime now) {
  auto wanted = settings(user);
  if (!wanted) return fail(wanted.error());
  wanted->language = language;
  return save(*wanted, now);
}

}  // namespace kotona::server::store
