// The hub's pseudo-device `manual` (values typed in on the hub's own page, issue 20 part 5b)
// follows the hub's patient: a typed value names no patient, only the hub, so `manual` is bound
// to a patient only while the hub serves exactly one. follow_hub_patient() runs inside the
// transaction of each enrolment write (PatientRegister::enrol_device, end_enrolment), of a
// hub's enrolment (EnrolmentCodes::redeem), and at start for each hub the config's `enrol`
// lines name (seed_enrolment, actor "config"). Defined in enrolment_store.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "server/store/audit.h"
#include "server/store/database.h"
#include "server/store/types.h"

namespace kotona::server::store {

inline constexpr std::string_view kManualSerial = "manual";

struct ManualFollow {
  // Empty: done (or nothing to do). Else why `manual` could not follow (typed readings stored
  // at or after `at` would have to change patient): the caller refuses its write.
  std::string conflict;
};

// The patients served by `gateway` are those of its open bindings of measuring devices, plus
// `hub_patient` (the patient a hub enrolment code names). When that is exactly one patient P,
// `manual` of the gateway is bound to P from `at` (enrolment source "auto", audit row
// "enrol.auto"), moving an automatic binding of another patient; when it is several or none,
// an open automatic binding of `manual` is ended at `at` (audit row "enrol.auto_end"): typed
// values are then quarantined (not_enrolled) and a technical alert asks a person whose they
// are. A binding of `manual` an admin made (source api or config) is never touched. `audit`:
// where those rows go; nullptr for the config seed, whose own bindings are not audited either.
// Errors: kIo.
[[nodiscard]] Result<ManualFollow> follow_hub_patient(Database& db, AuditLog* audit,
                                                      const GatewayId& gateway, HubTime at,
                                                      const std::optional<PatientId>& hub_patient,
                                                      const std::string& actor, HubTime now);

}  // namespace kotona::server::store
