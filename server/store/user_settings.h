// SettingsBook: each clinician's own settings kept on the server (issue 18 part 1: the page's
// language follows the user to any browser; part 6: a new high alert's sound and desktop
// notification), table user_settings, one row per user name, one
// column per setting (schema.cpp adds later ones to older databases). Every change is one
// transaction with its audit row. Borrows the store's Database and AuditLog; io thread only.
#pragma once

#include <optional>
#include <string>

#include "server/store/audit.h"
#include "server/store/database.h"
#include "server/store/types.h"

namespace kotona::server::store {

// One user's settings; absent values are "not chosen" (the page's default applies).
struct UserSettings {
  std::string user;
  std::optional<std::string> language;  // "fi", "sv" or "en" (checked at the API)
  // A new high alert plays a sound / raises a desktop notification in the page (issue 18
  // part 6); nullopt: not chosen (the page's defaults: sound on, notification off).
  std::optional<bool> alert_sound;
  std::optional<bool> alert_notify;
  std::optional<HubTime> updated;       // nullopt: never saved
};

class SettingsBook {
 public:
  SettingsBook(Database& db, AuditLog& audit) : db_(db), audit_(audit) {}
  SettingsBook(const SettingsBook&) = delete;
  SettingsBook& operator=(const SettingsBook&) = delete;

  // `user`'s settings (nothing chosen when never saved). Errors: kIo.
  [[nodiscard]] Result<UserSettings> settings(const std::string& user);
  // Stores every setting of `wanted` for wanted.user (a nullopt clears it) with one audit row
  // "settings.update" (actor and subject user/NAME, detail the changes: "language=sv",
  // "language cleared", "alert_sound=off", joined by ", "); nothing is written when nothing
  // changed. Returns the settings after. Errors: kIo (nothing changed).
  [[nodiscard]] Result<UserSettings> save(const UserSettings& wanted, HubTime now);
  // save() with only the language changed.
  [[nodiscard]] Result<UserSettings> set_language(const std::string& user,
                                                  const std::optional<std::string>& language,
                                                  HubTime now);

 private:
  Database& db_;
  AuditLog& audit_;
};

}  // namespace kotona::server::store
