#include "server/alerts/update_alerts.h"

#include <string>

namespace kotona::server::alerts {

std::vector<TechnicalDraft> evaluate_update_tally(const GatewayView& g, const UpdateTally& t) {
  const bool failed = t.counter == kRollbackFailedCounter;
  if (!failed && t.counter != kRolledBackCounter) return {};
  const std::uint64_t from = t.acted_on && *t.acted_on <= t.total ? *t.acted_on : 0;
  if (t.total == from) return {};
  const std::uint64_t rise = t.total - from;
  const std::string hub = g.gateway.value;
  const std::string times = std::to_string(rise) + (rise == 1 ? " time" : " times");
  TechnicalDraft draft{
      std::string(failed ? kUpdateRollbackFailedRule : kUpdateRolledBackRule),
      failed ? Priority::kHigh : Priority::kMedium,
      hub,
      {},
      std::to_string(from) + "-" + std::to_string(t.total) + "@" +
          std::to_string(g.status_sent_unix_ms),
      failed ? "Hub " + hub + ": a software update failed and so did its rollback (" + times +
                   ", " + std::to_string(t.total) +
                   " in all): the hub may not be running a working release and its readings may "
                   "not reach the service centre. Have a technician check the hub "
                   "(journalctl -u kotona-gateway-update)"
             : "Hub " + hub + ": a software update failed its check and was rolled back (" + times +
                   ", " + std::to_string(t.total) +
                   " in all): the hub runs its previous release and its readings still arrive. "
                   "Tell the hub's maintainer (journalctl -u kotona-gateway-update)",
      {},
      {{"hub", hub},
       {"count", static_cast<double>(rise)},
       {"total", static_cast<double>(t.total)}}};
  // One per patient on the hub (each one's care team hears of it), or one system alert.
  std::vector<TechnicalDraft> out;
  for (const auto& patient :
       g.patients.empty() ? std::vector<PatientId>{PatientId{""}} : g.patients) {
    draft.patient = patient;
    out.push_back(draft);
  }
  return out;
}

}  // namespace kotona::server::alerts
