// Notes (issue 18 part 3): a clinician's free-text note on an alert or a patient, rows of the
// table `notes` keyed by subject ("alert/<alert id>", "patient/<patient id>", as in the audit
// log). The two helpers AlertBook and PatientRegister share; they write no audit row (their
// callers do, in the same transaction). Borrow the caller's Database; io thread only.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "server/store/database.h"
#include "server/store/types.h"

namespace kotona::server::store {

// The longest note the API takes, in bytes (as the acknowledge note).
inline constexpr std::size_t kMaxNoteBytes = 2000;

// Appends a note and returns it with its id. REQUIRES: inside the caller's write transaction.
// Errors: kIo.
[[nodiscard]] Result<Note> insert_note(Database& db, const std::string& subject,
                                       const std::string& author, const std::string& text,
                                       HubTime at);
// The newest `limit` notes of `subject`, oldest first. Errors: kIo.
[[nodiscard]] Result<std::vector<Note>> notes_of(Database& db, const std::string& subject,
                                                 int limit);

}  // namespace kotona::server::store
