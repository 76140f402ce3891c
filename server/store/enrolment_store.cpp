// PatientRegister (patient_register.h): the register and the enrolment history. Every
// write is one transaction with its audit row. The henkilötunnus is stored but never written
// to the audit log (its detail says only whether it was set or changed).
#include <algorithm>
#include <set>

#include "core/log.h"
#include "server/store/manual_binding.h"
#include "server/store/patient_register.h"

namespace kotona::server::store {

namespace {

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }
HubTime from_ms(std::int64_t v) { return HubTime{std::chrono::milliseconds{v}}; }

std::optional<std::string> optional_text(const Statement& s, int i) {
  if (s.column_is_null(i)) return std::nullopt;
  return s.column_text(i);
}

constexpr const char* kPatientColumns =
    "SELECT patient_id, henkilotunnus, display_name, team, created_unix_ms, updated_unix_ms, "
    "language FROM patients ";

PatientRecord patient_from_row(const Statement& s) {
  return PatientRecord{PatientId{s.column_text(0)}, optional_text(s, 1),
                       optional_text(s, 2),         optional_text(s, 3),
                       from_ms(s.column_int(4)),    from_ms(s.column_int(5)),
                       optional_text(s, 6)};
}

constexpr const char* kEnrolmentColumns =
    "SELECT id, gateway_id, device_serial, patient_id, valid_from_unix_ms, valid_to_unix_ms, "
    "COALESCE(source, 'config') FROM enrolment ";

EnrolmentRecord enrolment_from_row(const Statement& s) {
  EnrolmentRecord r;
  r.id = s.column_int(0);
  r.binding.gateway = GatewayId{s.column_text(1)};
  r.binding.device_serial = DeviceSerial{s.column_text(2)};
  r.binding.patient = PatientId{s.column_text(3)};
  r.binding.valid_from = from_ms(s.column_int(4));
  if (!s.column_is_null(5)) r.binding.valid_to = from_ms(s.column_int(5));
  r.source = s.column_text(6);
  return r;
}

// What changed, for the audit detail: never the henkilötunnus itself.
std::string patient_detail(const std::optional<PatientRecord>& before, const PatientRecord& after) {
  auto change = [](const char* name, const std::optional<std::string>& was,
                   const std::optional<std::string>& now, bool sensitive) -> std::string {
    if (was == now) return "";
    if (!now) return std::string(" ") + name + " cleared";
    return std::string(" ") + name + (sensitive ? (was ? " changed" : " set") : "=" + *now);
  };
  auto was = [&](auto field) { return before ? (*before).*field : std::optional<std::string>{}; };
  std::string detail = before ? "updated" : "created";
  detail += change("henkilotunnus", was(&PatientRecord::henkilotunnus), after.henkilotunnus, true);
  detail += change("display_name", was(&PatientRecord::display_name), after.display_name, true);
  detail += change("team", was(&PatientRecord::team), after.team, false);
  detail += change("language", was(&PatientRecord::language), after.language, false);
  return detail;
}

std::string binding_text(const Enrolment& e) {
  return "gateway=" + e.gateway.value + " device=" + e.device_serial.value +
         " patient=" + e.patient.value + " from_unix_ms=" + std::to_string(ms(e.valid_from));
}

// The new binding's id (`source`: "api", or "auto" for manual_binding.h's). Its own function:
// the RETURNING statement must be finished (out of scope) before the transaction commits.
Result<std::int64_t> insert_binding(Database& db, const Enrolment& binding,
                                    const std::string& source = "api") {
  auto insert = db.prepare(
      "INSERT INTO enrolment(gateway_id, device_serial, patient_id, valid_from_unix_ms, "
      "valid_to_unix_ms, source) VALUES(?,?,?,?,NULL,?) RETURNING id");
  if (!insert) return fail(insert.error());
  insert->bind(1, binding.gateway.value).bind(2, binding.device_serial.value);
  insert->bind(3, binding.patient.value).bind(4, ms(binding.valid_from)).bind(5, source);
  auto row = insert->step();
  if (!row) return fail(row.error());
  if (!*row) return fail(Errc::kIo, "enrolment insert returned no id");
  return insert->column_int(0);
}

Result<void> close_binding(Database& db, std::int64_t id, HubTime at) {
  auto close = db.prepare("UPDATE enrolment SET valid_to_unix_ms = ? WHERE id = ?");
  if (!close) return fail(close.error());
  close->bind(1, ms(at)).bind(2, id);
  if (auto r = close->step(); !r) return fail(r.error());
  return {};
}

// The latest instant the gateway's bindings of measuring devices changed (a start or an end;
// the epoch when none): from then on it serves the patients it serves now.
Result<HubTime> last_change(Database& db, const GatewayId& gateway) {
  auto stmt = db.prepare(
      "SELECT MAX(valid_from_unix_ms), MAX(valid_to_unix_ms) FROM enrolment "
      "WHERE gateway_id = ? AND device_serial <> ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, gateway.value).bind(2, std::string(kManualSerial));
  auto row = stmt->step();
  if (!row) return fail(row.error());
  HubTime at{};
  for (int i = 0; *row && i < 2; ++i) {
    if (!stmt->column_is_null(i)) at = std::max(at, from_ms(stmt->column_int(i)));
  }
  return at;
}

// How many stored readings of the device were measured at/after `from`.
Result<std::int64_t> readings_measured_from(Database& db, const GatewayId& gateway,
                                            const DeviceSerial& serial, HubTime from) {
  // Every stored reading of a device was attributed to the patient of one of its bindings
  // (ingest and quarantine release alike; bindings are never deleted), so the device's
  // readings are found among its patients' through readings_patient_measured: readings keeps
  // no index by device (the index budget in schema.cpp).
  auto stmt = db.prepare(
      "SELECT COUNT(*) FROM readings WHERE patient_id IN (SELECT patient_id FROM enrolment "
      "WHERE gateway_id = ? AND device_serial = ?) AND measured_unix_ms >= ? AND "
      "gateway_id = ? AND device_serial = ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, gateway.value).bind(2, serial.value).bind(3, ms(from));
  stmt->bind(4, gateway.value).bind(5, serial.value);
  if (auto row = stmt->step(); !row) return fail(row.error());
  return stmt->column_int(0);
}

}  // namespace

Result<std::optional<PatientRecord>> PatientRegister::patient_record(const PatientId& id) {
  auto stmt = db_.prepare(std::string(kPatientColumns) + "WHERE patient_id = ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, id.value);
  auto rows = collect_rows<PatientRecord>(stmt, patient_from_row);
  if (!rows) return fail(rows.error());
  if (rows->empty()) return std::optional<PatientRecord>{};
  return std::optional<PatientRecord>{std::move(rows->front())};
}

Result<std::vector<PatientRecord>> PatientRegister::patient_records(int limit) {
  auto stmt = db_.prepare(std::string(kPatientColumns) + "ORDER BY patient_id LIMIT ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, std::int64_t{limit});
  return collect_rows<PatientRecord>(stmt, patient_from_row);
}

Result<std::set<std::string>> PatientRegister::team_patients(const std::string& team) {
  auto stmt = db_.prepare("SELECT patient_id FROM patients WHERE team = ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, team);
  std::set<std::string> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return fail(row.error());
    if (!*row) return out;
    out.insert(stmt->column_text(0));
  }
}

Result<PatientWrite> PatientRegister::put_patient(const PatientRecord& patient, bool create,
                                                  const std::string& actor, HubTime now) {
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  auto before = patient_record(patient.id);
  if (!before) return fail(before.error());
  if (create && *before) return PatientWrite{WriteStatus::kConflict, "patient exists", **before};
  if (!create && !*before) return PatientWrite{WriteStatus::kNotFound, "no such patient", {}};
  if (patient.henkilotunnus) {
    auto taken =
        db_.prepare("SELECT COUNT(*) FROM patients WHERE henkilotunnus = ? AND patient_id != ?");
    if (!taken) return fail(taken.error());
    taken->bind(1, *patient.henkilotunnus).bind(2, patient.id.value);
    if (auto row = taken->step(); !row) return fail(row.error());
    if (taken->column_int(0) > 0) {
      return PatientWrite{WriteStatus::kConflict, "another patient has the same henkilotunnus", {}};
    }
  }
  PatientRecord stored = patient;
  stored.created = *before ? (*before)->created : now;
  stored.updated = now;
  auto write = db_.prepare(
      "INSERT INTO patients(patient_id, henkilotunnus, display_name, team, created_unix_ms, "
      "updated_unix_ms, language) VALUES(?,?,?,?,?,?,?) ON CONFLICT(patient_id) DO UPDATE SET "
      "henkilotunnus = excluded.henkilotunnus, display_name = excluded.display_name, "
      "team = excluded.team, updated_unix_ms = excluded.updated_unix_ms, "
      "language = excluded.language");
  if (!write) return fail(write.error());
  write->bind(1, stored.id.value).bind(2, stored.henkilotunnus).bind(3, stored.display_name);
  write->bind(4, stored.team).bind(5, ms(stored.created)).bind(6, ms(stored.updated));
  write->bind(7, stored.language);
  // The backend's message may quote the row (PostgreSQL: "Key (henkilotunnus)=(...) already
  // exists") and errors are logged: withhold it.
  if (auto r = write->step(); !r) {
    return fail(Errc::kIo, "patients write failed (backend detail withheld: it may quote the row)");
  }
  AuditRow audit{0,
                 now,
                 actor,
                 create ? "patient.create" : "patient.update",
                 AlertId{"patient/" + stored.id.value},
                 patient_detail(*before, stored),
                 {},
                 {}};
  if (auto r = audit_.append(audit); !r) return fail(r.error());
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return PatientWrite{WriteStatus::kDone, "", std::move(stored)};
}

Result<std::vector<EnrolmentRecord>> PatientRegister::device_bindings(const GatewayId& gateway,
                                                                      const DeviceSerial& serial) {
  auto stmt = db_.prepare(std::string(kEnrolmentColumns) +
                          "WHERE gateway_id = ? AND device_serial = ? "
                          "ORDER BY valid_from_unix_ms DESC, id DESC");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, gateway.value).bind(2, serial.value);
  return collect_rows<EnrolmentRecord>(stmt, enrolment_from_row);
}

Result<std::int64_t> PatientRegister::readings_from(const GatewayId& gateway,
                                                    const DeviceSerial& serial, HubTime from) {
  return readings_measured_from(db_, gateway, serial, from);
}

Result<EnrolmentWrite> PatientRegister::enrol_device(const Enrolment& binding,
                                                     const std::string& actor, HubTime now) {
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  auto conflict = [](std::string why) {
    return EnrolmentWrite{WriteStatus::kConflict, std::move(why), {}, {}};
  };
  auto patient = patient_record(binding.patient);
  if (!patient) return fail(patient.error());
  if (!*patient) return EnrolmentWrite{WriteStatus::kNotFound, "patient not registered", {}, {}};
  auto existing = device_bindings(binding.gateway, binding.device_serial);
  if (!existing) return fail(existing.error());
  const auto from = binding.valid_from;
  std::optional<EnrolmentRecord> to_close;
  for (const auto& e : *existing) {
    const auto& b = e.binding;
    if (b.valid_to && *b.valid_to <= from) continue;  // history before the new binding
    if (b.valid_to || b.valid_from >= from) {
      return conflict("enrolment/" + std::to_string(e.id) +
                      " of this device overlaps valid_from; end it earlier or enrol later");
    }
    if (b.patient == binding.patient) {
      return conflict("device already enrolled to this patient (enrolment/" + std::to_string(e.id) +
                      ")");
    }
    to_close = e;  // open, started before `from`: the device moves at `from`
  }
  auto later = readings_from(binding.gateway, binding.device_serial, from);
  if (!later) return fail(later.error());
  if (*later > 0) {
    return conflict(std::to_string(*later) +
                    " readings of this device measured at or after valid_from are already "
                    "stored; stored readings are never re-attributed: enrol from a later time");
  }
  if (to_close) {
    if (auto r = close_binding(db_, to_close->id, from); !r) return fail(r.error());
    to_close->binding.valid_to = from;
  }
  auto id = insert_binding(db_, binding);
  if (!id) return fail(id.error());
  EnrolmentRecord made{*id, binding, "api"};
  made.binding.valid_to.reset();
  std::string detail = binding_text(made.binding);
  if (to_close) {
    detail += " moved from patient=" + to_close->binding.patient.value + " (enrolment/" +
              std::to_string(to_close->id) + " ended)";
  }
  AuditRow audit{0,      now, actor, "enrol", AlertId{"enrolment/" + std::to_string(made.id)},
                 detail, {},  {}};
  if (auto r = audit_.append(audit); !r) return fail(r.error());
  if (binding.device_serial.value != kManualSerial) {
    auto typed = follow_hub_patient(db_, &audit_, binding.gateway, from, std::nullopt, actor, now);
    if (!typed) return fail(typed.error());
    if (!typed->conflict.empty()) return conflict(typed->conflict);
  }
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return EnrolmentWrite{WriteStatus::kDone, "", std::move(made), std::move(to_close)};
}

Result<std::optional<EnrolmentRecord>> PatientRegister::enrolment(std::int64_t id) {
  auto stmt = db_.prepare(std::string(kEnrolmentColumns) + "WHERE id = ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, id);
  auto rows = collect_rows<EnrolmentRecord>(stmt, enrolment_from_row);
  if (!rows) return fail(rows.error());
  if (rows->empty()) return std::optional<EnrolmentRecord>{};
  return std::optional<EnrolmentRecord>{std::move(rows->front())};
}

Result<EnrolmentWrite> PatientRegister::end_enrolment(std::int64_t id, HubTime at,
                                                      const std::string& actor, HubTime now) {
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  auto found = enrolment(id);
  if (!found) return fail(found.error());
  if (!*found) return EnrolmentWrite{WriteStatus::kNotFound, "no such enrolment", {}, {}};
  auto record = **found;
  auto conflict = [&](std::string why) {
    return EnrolmentWrite{WriteStatus::kConflict, std::move(why), record, {}};
  };
  if (record.binding.valid_to) return conflict("enrolment already ended");
  if (at < record.binding.valid_from) return conflict("end is before the enrolment's start");
  auto later = readings_from(record.binding.gateway, record.binding.device_serial, at);
  if (!later) return fail(later.error());
  if (*later > 0) {
    return conflict(std::to_string(*later) +
                    " readings of this device measured at or after the end are already stored");
  }
  if (auto r = close_binding(db_, id, at); !r) return fail(r.error());
  record.binding.valid_to = at;
  AuditRow audit{0,
                 now,
                 actor,
                 "enrol.end",
                 AlertId{"enrolment/" + std::to_string(id)},
                 binding_text(record.binding) + " to_unix_ms=" + std::to_string(ms(at)),
                 {},
                 {}};
  if (auto r = audit_.append(audit); !r) return fail(r.error());
  if (record.binding.device_serial.value != kManualSerial) {
    auto typed =
        follow_hub_patient(db_, &audit_, record.binding.gateway, at, std::nullopt, actor, now);
    if (!typed) return fail(typed.error());
    if (!typed->conflict.empty()) return conflict(typed->conflict);
  }
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return EnrolmentWrite{WriteStatus::kDone, "", std::move(record), {}};
}

Result<std::vector<EnrolmentRecord>> PatientRegister::enrolments(const EnrolmentFilter& filter,
                                                                 int limit) {
  std::string sql = std::string(kEnrolmentColumns) + "WHERE 1 = 1 ";
  if (filter.patient) sql += "AND patient_id = ? ";
  if (filter.gateway) sql += "AND gateway_id = ? ";
  if (filter.device_serial) sql += "AND device_serial = ? ";
  sql += "ORDER BY valid_from_unix_ms DESC, id DESC LIMIT ?";
  auto stmt = db_.prepare(sql);
  if (!stmt) return fail(stmt.error());
  int index = 1;
  if (filter.patient) stmt->bind(index++, filter.patient->value);
  if (filter.gateway) stmt->bind(index++, filter.gateway->value);
  if (filter.device_serial) stmt->bind(index++, filter.device_serial->value);
  stmt->bind(index, std::int64_t{limit});
  return collect_rows<EnrolmentRecord>(stmt, enrolment_from_row);
}

Result<void> PatientRegister::add_enrolment(const Enrolment& e) {
  auto stmt = db_.prepare(
      "INSERT INTO enrolment(gateway_id, device_serial, patient_id, valid_from_unix_ms, "
      "valid_to_unix_ms) VALUES(?,?,?,?,?)");
  if (!stmt) return fail(stmt.error());
  std::optional<std::int64_t> to;
  if (e.valid_to) to = ms(*e.valid_to);
  stmt->bind(1, e.gateway.value).bind(2, e.device_serial.value).bind(3, e.patient.value);
  stmt->bind(4, ms(e.valid_from)).bind(5, to);
  if (auto r = stmt->step(); !r) return fail(r.error());
  return {};
}

Result<std::vector<Enrolment>> PatientRegister::seed_enrolment(const std::vector<Enrolment>& lines,
                                                               HubTime now) {
  std::vector<Enrolment> api_managed;
  for (const auto& line : lines) {
    auto bindings = device_bindings(line.gateway, line.device_serial);
    if (!bindings) return fail(bindings.error());
    Enrolment fresh = line;
    fresh.valid_to.reset();
    fresh.valid_from = HubTime{};  // config lines carry no date: enrolled since ever
    if (!bindings->empty()) {
      const auto& newest = bindings->front();
      bool same = newest.binding.patient == line.patient;
      if (!newest.binding.valid_to && same) continue;
      // Moved or ended through the API: the API's history wins over a static config line.
      if (newest.source == "api" || newest.binding.valid_to) {
        if (!same || newest.binding.valid_to) api_managed.push_back(line);
        continue;
      }
      if (auto r = close_binding(db_, newest.id, now); !r) return fail(r.error());
      fresh.valid_from = now;
    }
    if (auto r = add_enrolment(fresh); !r) return fail(r.error());
  }
  // `manual` follows a config-seeded hub's one patient as it does an API-enrolled one's
  // (manual_binding.h), from the time its bindings last changed; a repeated start changes
  // nothing. Each hub in its own transaction; no audit rows, as for the config's own lines.
  std::set<std::string> hubs;
  for (const auto& line : lines) {
    if (line.device_serial.value == kManualSerial || !hubs.insert(line.gateway.value).second) {
      continue;
    }
    Transaction transaction(db_);
    if (auto r = transaction.begin(); !r) return fail(r.error());
    auto at = last_change(db_, line.gateway);
    if (!at) return fail(at.error());
    auto typed = follow_hub_patient(db_, nullptr, line.gateway, *at, std::nullopt, "config", now);
    if (!typed) return fail(typed.error());
    if (!typed->conflict.empty()) {
      log_warn("store",
               "config: `manual` of " + line.gateway.value + " left as it is: " + typed->conflict);
      continue;  // rolled back
    }
    if (auto r = transaction.commit(); !r) return fail(r.error());
  }
  return api_managed;
}

Result<bool> PatientRegister::has_patient(const PatientId& patient) {
  auto stmt = db_.prepare(
      "SELECT EXISTS(SELECT 1 FROM enrolment WHERE patient_id = ?) OR "
      "EXISTS(SELECT 1 FROM readings WHERE patient_id = ?) OR "
      "EXISTS(SELECT 1 FROM patients WHERE patient_id = ?)");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, patient.value).bind(2, patient.value).bind(3, patient.value);
  auto row = stmt->step();
  if (!row) return fail(row.error());
  return *row && stmt->column_int(0) != 0;
}

Result<ManualFollow> follow_hub_patient(Database& db, AuditLog* audit, const GatewayId& gateway,
                                        HubTime at, const std::optional<PatientId>& hub_patient,
                                        const std::string& actor, HubTime now) {
  const DeviceSerial manual{std::string(kManualSerial)};
  // The gateway's open bindings and every binding of its `manual`.
  auto stmt = db.prepare(std::string(kEnrolmentColumns) +
                         "WHERE gateway_id = ? AND (valid_to_unix_ms IS NULL OR device_serial = ?) "
                         "ORDER BY valid_from_unix_ms DESC, id DESC");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, gateway.value).bind(2, manual.value);
  auto rows = collect_rows<EnrolmentRecord>(stmt, enrolment_from_row);
  if (!rows) return fail(rows.error());
  std::set<std::string> served;
  if (hub_patient) served.insert(hub_patient->value);
  std::optional<EnrolmentRecord> open;  // `manual`'s open binding
  HubTime last_end{};                   // where `manual`'s history ends
  for (const auto& e : *rows) {
    if (e.binding.device_serial != manual) {
      served.insert(e.binding.patient.value);
    } else if (!e.binding.valid_to) {
      open = e;
    } else {
      last_end = std::max(last_end, *e.binding.valid_to);
    }
  }
  const bool one = served.size() == 1;
  if (open && (open->source != "auto" || (one && open->binding.patient.value == *served.begin()))) {
    return ManualFollow{};  // an admin's own binding, or already the hub's one patient
  }
  auto write = [&](std::string action, std::int64_t id, std::string detail) {
    AuditRow row{0,
                 now,
                 actor,
                 std::move(action),
                 AlertId{"enrolment/" + std::to_string(id)},
                 std::move(detail),
                 {},
                 {}};
    return audit != nullptr ? audit->append(row) : Result<void>{};
  };
  HubTime from = std::max(at, last_end);
  if (open) {  // automatic, and the hub no longer serves (only) its patient: it ends
    from = std::max(at, open->binding.valid_from);
    auto later = readings_measured_from(db, gateway, manual, from);
    if (!later) return fail(later.error());
    if (*later > 0) {
      return ManualFollow{std::to_string(*later) + " values typed in on this hub and measured at " +
                          "or after that time are stored for patient " +
                          open->binding.patient.value + ": choose a later time"};
    }
    if (auto r = close_binding(db, open->id, from); !r) return fail(r.error());
    open->binding.valid_to = from;
    auto why = " (the hub serves " + std::to_string(served.size()) +
               " patients: a typed value names none of them)";
    if (auto r = write("enrol.auto_end", open->id,
                       binding_text(open->binding) + " to_unix_ms=" + std::to_string(ms(from)) +
                           (one ? std::string() : why));
        !r) {
      return fail(r.error());
    }
  }
  if (!one) return ManualFollow{};
  Enrolment binding{gateway, manual, PatientId{*served.begin()}, from, std::nullopt};
  auto id = insert_binding(db, binding, "auto");
  if (!id) return fail(id.error());
  if (auto r = write("enrol.auto", *id, binding_text(binding) + " (the hub serves one patient)");
      !r) {
    return fail(r.error());
  }
  return ManualFollow{};
}

}  // namespace kotona::server::store
