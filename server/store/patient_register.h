// PatientRegister: the patient register and the enrolment history (issue 16 stage): who a
// patient is, which hub device measures whom and since when. Config seeding, API writes (each
// one transaction with its audit row: actor, action, subject "patient/ID" or "enrolment/N";
// never a henkilötunnus) and the reads behind them. Borrows the store's Database and AuditLog;
// not thread-safe: io thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "server/store/audit.h"
#include "server/store/database.h"
#include "server/store/types.h"

namespace kotona::server::store {

class PatientRegister {
 public:
  PatientRegister(Database& db, AuditLog& audit) : db_(db), audit_(audit) {}
  PatientRegister(const PatientRegister&) = delete;
  PatientRegister& operator=(const PatientRegister&) = delete;

  // Seeds config `enrol` lines, idempotently: an open enrolment for the same gateway+device
  // and patient is kept; one for another patient is closed now and the new one opens now.
  // A device seen for the first time is enrolled from the epoch. A device the API manages
  // (its newest binding made by enrol_device(), or ended) is left alone: returns those lines
  // that disagree with it, for the caller to log. Errors: kIo.
  [[nodiscard]] Result<std::vector<Enrolment>> seed_enrolment(const std::vector<Enrolment>& lines,
                                                              HubTime now);
  // Adds one enrolment row as given (tests, admin tools). Errors: kIo.
  [[nodiscard]] Result<void> add_enrolment(const Enrolment& enrolment);

  // --- Patient register and enrolment history: each write commits its audit row in the same
  // transaction. Errors: kIo (nothing changed).
  // Creates (`create`; kConflict when the id exists) or replaces (kNotFound when missing) a
  // register row. kConflict when another patient has the same henkilötunnus.
  [[nodiscard]] Result<PatientWrite> put_patient(const PatientRecord& patient, bool create,
                                                 const std::string& actor, HubTime now);
  [[nodiscard]] Result<std::optional<PatientRecord>> patient_record(const PatientId& id);
  // By patient id, at most `limit`.
  [[nodiscard]] Result<std::vector<PatientRecord>> patient_records(int limit);
  // The registered patients of care team `team` (they join the team's config `team` line).
  [[nodiscard]] Result<std::set<std::string>> team_patients(const std::string& team);
  // Binds the device (gateway + serial) to a registered patient from `binding.valid_from`,
  // open-ended, closing the device's open binding at that instant ("device moved"): readings
  // measured before it stay the old patient's. kNotFound: patient not registered. kConflict:
  // already bound to that patient, a binding of the device starts at/after valid_from or a
  // closed one ends after it, or readings of the device measured at/after valid_from are
  // already stored for another patient (stored readings are never re-attributed).
  [[nodiscard]] Result<EnrolmentWrite> enrol_device(const Enrolment& binding,
                                                    const std::string& actor, HubTime now);
  // Ends binding `id` at `at`. kNotFound; kConflict when already ended, `at` is before its
  // start, or readings it attributed were measured at/after `at`.
  [[nodiscard]] Result<EnrolmentWrite> end_enrolment(std::int64_t id, HubTime at,
                                                     const std::string& actor, HubTime now);
  // Bindings matching `filter`, newest valid_from first, at most `limit`.
  [[nodiscard]] Result<std::vector<EnrolmentRecord>> enrolments(const EnrolmentFilter& filter,
                                                                int limit);
  [[nodiscard]] Result<std::optional<EnrolmentRecord>> enrolment(std::int64_t id);

  // A note on a registered patient (issue 18 part 3) with its audit row "patient.note"
  // (subject patient/ID, the text as detail), one transaction. nullopt: not registered.
  // REQUIRES: text 1..kMaxNoteBytes (notes.h). Errors: kIo (nothing written).
  [[nodiscard]] Result<std::optional<Note>> add_note(const PatientId& patient,
                                                     const std::string& actor,
                                                     const std::string& text, HubTime now);
  // The patient's notes, oldest first (at most the newest `limit`). Errors: kIo.
  [[nodiscard]] Result<std::vector<Note>> notes(const PatientId& patient, int limit);

  // True when the patient is registered, has an enrolment (past or present) or a reading.
  [[nodiscard]] Result<bool> has_patient(const PatientId& patient);
  // The device's bindings, newest valid_from first (the ingest reads them once per transaction).
  [[nodiscard]] Result<std::vector<EnrolmentRecord>> device_bindings(const GatewayId& gateway,
                                                                     const DeviceSerial& serial);

 private:
  // How many stored readings of the device were measured at/after `from`.
  [[nodiscard]] Result<std::int64_t> readings_from(const GatewayId& gateway,
                                                   const DeviceSerial& serial, HubTime from);

  Database& db_;
  AuditLog& audit_;
};

}  // namespace kotona::server::store
