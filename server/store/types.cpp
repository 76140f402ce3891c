// Text forms of the store's enums: the spelling of the DB columns, the API and the logs.
#include "server/store/types.h"

namespace kotona::server::store {

std::string_view to_string(Disposition d) {
  switch (d) {
    case Disposition::kStored:
      return "stored";
    case Disposition::kDuplicate:
      return "duplicate";
    case Disposition::kQuarantined:
      return "quarantined";
    case Disposition::kRejected:
      return "rejected";
    case Disposition::kConflict:
      return "conflict";
  }
  return "rejected";
}

std::string_view to_string(AlertState state) {
  switch (state) {
    case AlertState::kOpen:
      return "open";
    case AlertState::kAcknowledged:
      return "acknowledged";
    case AlertState::kResolved:
      return "resolved";
  }
  return "open";
}

std::optional<AlertState> parse_alert_state(std::string_view text) {
  for (auto s : {AlertState::kOpen, AlertState::kAcknowledged, AlertState::kResolved}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

std::string_view to_string(AlertAction action) {
  return action == AlertAction::kAcknowledge ? "ack" : "resolve";
}

}  // namespace kotona::server::store
