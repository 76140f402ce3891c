// Value types of the quarantine (issue 13): items the ingest could not store, their listing,
// their release after enrolment and the bounds on what is kept. Regular value types.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/reading.h"
#include "server/store/types.h"

namespace kotona::server::store {

// Bounds on the quarantine (config quarantine_per_gateway, quarantine_max_age_days,
// quarantine_max_payload_bytes). Each eviction is counted and alerted (quarantine.evicted).
struct QuarantineLimits {
  // Held (unreleased) items kept per hub (topic gateway; "" for topics naming none): the
  // oldest go first.
  std::int64_t per_gateway = 1000;
  // Items older than this are deleted, held or released.
  std::chrono::hours max_age{24 * 30};
  // A payload larger than this is never stored (the item keeps its reason and size only).
  // Default: mosquitto's max_packet_size in deploy/mosquitto/*.conf.in, so nothing the
  // project's broker delivers is cut.
  std::size_t max_payload_bytes = 1048576;
};

// One quarantined item as listed by the admin API.
struct QuarantineItem {
  std::int64_t id = 0;
  HubTime received{};
  std::string topic = "";
  std::string reason = "";       // not_enrolled, identity_mismatch, uid_conflict, invalid: ..., ...
  std::string reading_uid = "";  // empty when none
  std::string gateway = "";      // the topic's hub; empty when unknown
  std::string device = "";       // device serial; empty when unknown
  std::int64_t payload_bytes = 0;
  // The decoded reading (encode_reading_json) where the server could decode one; else empty.
  std::string reading_json = "";
  std::optional<HubTime> released = std::nullopt;
  std::string released_by = "";
  std::string release_outcome = "";  // "stored", "duplicate" (already stored by a re-send)
};

struct QuarantineFilter {
  std::optional<std::string> gateway = std::nullopt;
  std::optional<std::string> reason = std::nullopt;
  bool held_only = false;  // only items not released
};

// Store::release_quarantined. kNotFound: no such item. kConflict (`why`): not a not_enrolled
// item, already released, not decodable, or its device is still not enrolled at the reading's
// measured time. kDone: the reading was stored (or found stored) in the same transaction as the
// item's release mark and its audit row; new_alerts are its clinical alerts.
struct ReleaseOutcome {
  WriteStatus status = WriteStatus::kNotFound;
  std::string why = "";
  QuarantineItem item = {};
  std::vector<StoredAlert> new_alerts = {};
};

// Store::quarantine_payload and enforce_quarantine_limits: the technical alerts raised (ascending
// event_id) and how many items were evicted.
struct QuarantineWrite {
  std::vector<StoredAlert> new_alerts = {};
  std::int64_t evicted = 0;
};

}  // namespace kotona::server::store
