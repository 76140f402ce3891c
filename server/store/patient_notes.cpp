// PatientRegister's notes on a patient (issue 18 part 3): the note and its audit row in one
// transaction; only registered patients take notes.
#include "server/store/notes.h"
#include "server/store/patient_register.h"

namespace kotona::server::store {

Result<std::optional<Note>> PatientRegister::add_note(const PatientId& patient,
                                                      const std::string& actor,
                                                      const std::string& text, HubTime now) {
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  auto found = patient_record(patient);
  if (!found) return fail(found.error());
  if (!*found) return std::optional<Note>{};
  const AlertId subject{"patient/" + patient.value};
  auto note = insert_note(db_, subject.value, actor, text, now);
  if (!note) return fail(note.error());
  AuditRow audit{0, now, actor, "patient.note", subject, text, {}, {}};
  if (auto r = audit_.append(audit); !r) return fail(r.error());
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return std::optional<Note>{std::move(*note)};
}

Result<std::vector<Note>> PatientRegister::notes(const PatientId& patient, int limit) {
  return notes_of(db_, "patient/" + patient.value, limit);
}

}  // namespace kotona::server::store
