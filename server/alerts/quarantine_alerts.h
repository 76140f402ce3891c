// Technical alerts for what ingest put in quarantine (issue 13, invariant 13): a value a device
// measured that no clinician can see must at least be named in an alert to someone who can act.
// Pure functions from a quarantine event to alert drafts; no IO, no clock. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "server/alerts/technical.h"

namespace kotona::server::alerts {

inline constexpr std::string_view kQuarantineNotEnrolledRule = "quarantine.not_enrolled";
inline constexpr std::string_view kQuarantineIdentityRule = "quarantine.identity_mismatch";
inline constexpr std::string_view kQuarantineUndecodableRule = "quarantine.undecodable";
inline constexpr std::string_view kQuarantineEvictedRule = "quarantine.evicted";

// What one batch (or one message) put in quarantine for one reason and device.
struct QuarantineEvent {
  // "not_enrolled", "identity_mismatch"; decode failures: "invalid" (one reading),
  // "bad_payload", "bad_status", "bad_topic"; "evicted" (cap / age limit reached).
  std::string reason = "";
  GatewayId gateway = {};   // the topic's hub; empty when the topic named none
  std::string device = "";  // device serial; empty when unknown
  // Stable for the same batch re-sent (its first quarantined reading_uid, or the receive time
  // when there is none): one alert per episode, a re-send adds nothing.
  std::string episode = "";
  std::vector<std::string> values =
      {};         // decoded values ("bp {...}"), newest batch's, may be empty
  int count = 1;  // readings (or messages) of the event
};

// quarantine.not_enrolled (high: the readings reach no clinician until the device is enrolled
// and they are released) to the hub's care team: one draft per patient enrolled on the hub
// (`hub_patients`), a system draft (admins) when it has none. Names hub, device and values.
// quarantine.identity_mismatch (high, admins): a hub publishing as another.
// quarantine.undecodable (medium, admins): a hub sending what the server cannot read.
// quarantine.evicted (high, admins): quarantined items were deleted by the cap or age limit.
// Subject: "gw/device" for not_enrolled (two new meters are two alerts), the hub otherwise; a
// new episode of an open alert's subject is grouped into it by the store.
std::vector<TechnicalDraft> evaluate_quarantine(const QuarantineEvent& event,
                                                const std::vector<PatientId>& hub_patients);

}  // namespace kotona::server::alerts
