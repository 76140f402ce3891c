// Value types at the store's boundary: the decoded batch it takes (produced by the ingest
// codec), the per-reading dispositions it returns, and the rows the HTTP API reads.
// Regular value types; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/reading.h"
#include "core/result.h"

namespace kotona::server::store {

// A reading the codec could not accept (schema, ids, units, times); kept in quarantine.
struct RejectedReading {
  std::string reading_uid;  // as sent; may be empty (then it cannot be acked)
  Error error;
  std::string payload;  // the reading's own encoded bytes
};

struct Batch {
  GatewayId gateway;  // as the payload claims it; checked against the topic
  std::uint64_t batch_id = 0;
  std::vector<Reading> readings;
  std::vector<RejectedReading> rejected;
};

// kConflict: the uid is already stored with a different measurement or device time (e.g. a
// meter whose memory was cleared restarts its record numbers). The new reading is not
// dropped: it is kept in quarantine for an operator, and acked as quarantined.
enum class Disposition { kStored, kDuplicate, kQuarantined, kRejected, kConflict };
std::string_view to_string(Disposition d);

struct ReadingOutcome {
  std::string reading_uid;
  Disposition disposition = Disposition::kRejected;
  friend bool operator==(const ReadingOutcome&, const ReadingOutcome&) = default;
};

struct StoredAlert {
  std::int64_t event_id = 0;  // increasing; the SSE event id (invariant 8)
  AlertId alert_id;           // reading_uid + "#" + rule_id (invariant 7)
  ReadingUid reading_uid;
  PatientId patient;
  std::string rule_id;
  std::string priority;
  std::string state;  // "open"
  std::string message;
  std::string threshold_json;
  HubTime created{};
};

struct BatchOutcome {
  std::vector<ReadingOutcome> readings;  // one per uid, in batch order
  std::vector<StoredAlert> new_alerts;   // committed by this batch, ascending event_id
};

struct StoredReading {
  ReadingUid uid;
  PatientId patient;
  GatewayId gateway;
  DeviceSerial device_serial;
  std::string kind;
  std::optional<DeviceTime> device_time;
  HubTime hub_time{};
  std::optional<std::chrono::seconds> clock_offset;
  std::string values_json;
  std::string quality_json;
};

struct Enrolment {
  GatewayId gateway;
  DeviceSerial device_serial;
  PatientId patient;
  HubTime valid_from{};
  std::optional<HubTime> valid_to;  // open-ended when absent
};

struct GatewayStatusRow {
  GatewayId gateway;
  HubTime last_seen{};
  std::uint64_t outbox_depth = 0;
  std::string status_json;
};

}  // namespace kotona::server::store
