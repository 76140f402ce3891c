// SettingsBook (user_settings.h): the user_settings table and its audited writes.
#include "server/store/user_settings.h"

namespace kotona::server::store {

namespace {

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }

}  // namespace

Result<UserSettings> SettingsBook::settings(const std::string& user) {
  auto stmt =
      db_.prepare("SELECT language, updated_unix_ms FROM user_settings WHERE user_name = ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, user);
  auto row = stmt->step();
  if (!row) return fail(row.error());
  UserSettings out{user, std::nullopt, std::nullopt};
  if (!*row) return out;
  if (!stmt->column_is_null(0)) out.language = stmt->column_text(0);
  out.updated = HubTime{std::chrono::milliseconds{stmt->column_int(1)}};
  return out;
}

Result<UserSettings> SettingsBook::set_language(const std::string& user,
                                                const std::optional<std::string>& language,
                                                HubTime now) {
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  auto before = settings(user);
  if (!before) return fail(before.error());
  if (before->language == language) return before;
  auto write = db_.prepare(
      "INSERT INTO user_settings(user_name, updated_unix_ms, language) VALUES(?,?,?) "
      "ON CONFLICT(user_name) DO UPDATE SET updated_unix_ms = excluded.updated_unix_ms, "
      "language = excluded.language");
  if (!write) return fail(write.error());
  write->bind(1, user).bind(2, ms(now)).bind(3, language);
  if (auto r = write->step(); !r) return fail(r.error());
  AuditRow audit{0,
                 now,
                 user,
                 "settings.update",
                 AlertId{"user/" + user},
                 language ? "language=" + *language : "language cleared",
                 {},
                 {}};
  if (auto r = audit_.append(audit); !r) return fail(r.error());
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return UserSettings{user, language, now};
}

}  // namespace kotona::server::store
