// SettingsBook: each clinician's own settings kept on the server (issue 18 part 1: the page's
// language follows the user to any browser), table user_settings, one row per user name, one
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
  std::optional<HubTime> updated;       // nullopt: never saved
};

class SettingsBook {
 public:
  SettingsBook(Database& db, AuditLog& audit) : db_(db), audit_(audit) {}
  SettingsBook(const SettingsBook&) = delete;
  SettingsBook& operator=(const SettingsBook&) = delete;

  // `user`'s settings (nothing chosen when never saved). Errors: kIo.
  [[nodiscard]] Result<UserSettings> settings(const std::string& user);
  // Stores `language` (nullopt clears it) with audit row "settings.update" (actor and
  // subject user/NAME, detail "language=sv" / "language cleared"); nothing is written when
  // it is unchanged. Returns the settings after. Errors: kIo (nothing changed).
  [[nodiscard]] Result<UserSettings> set_language(const std::string& user,
                                                  const std::optional<std::string>& language,
                                                  HubTime now);

 private:
  Database& db_;
  AuditLog& audit_;
};

}  // namespace kotona::server::store
