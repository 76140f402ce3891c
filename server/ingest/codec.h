// Server side of wire schema v1 (proto/kotona/v1/readings.proto). codec.cpp is the ONLY server
// file that includes the generated *.pb.h; protobuf types never leave it. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/reading.h"
#include "core/result.h"
#include "server/store/types.h"

namespace kotona::server::ingest {

inline constexpr std::uint32_t kSchemaVersion = 1;

// A kotona.v1.ReadingBatch. Whole-batch errors: kMalformed (not a ReadingBatch, or a batch
// gateway_id that is not valid id text), kUnsupported (schema_version != 1). A bad reading
// inside a good batch is not an error: it lands in Batch::rejected with its reason (ids,
// missing measurement, non-finite values, wrong units, absurd times, uid not derived from its
// device-native fields). A non-finite value or one beyond +-1e6 (never a measurement in any
// unit of the schema) is rejected with Errc::kOutOfRange and the value in the detail, so the
// store can raise a technical alert naming it (invariant 13); other rejections are
// kMalformed. `now` bounds plausible hub times.
[[nodiscard]] Result<store::Batch> decode_batch(std::string_view bytes, HubTime now);

// kotona.v1.Ack listing every outcome that has a uid.
std::string encode_ack(const GatewayId& gateway, std::uint64_t batch_id,
                       const std::vector<store::ReadingOutcome>& outcomes);

// Records of a device the hub refused for one reason (issue 13): count, latest (gateway clock).
struct RefusedRecords {
  std::string reason;
  std::uint64_t count = 0;
  std::int64_t last_unix_ms = 0;
};

struct DeviceStatus {
  std::string serial;
  std::string driver;
  std::string port;
  std::string state;
  std::int64_t last_seen_unix_ms = 0;
  std::vector<RefusedRecords> refused = {};
};

struct GatewayStatus {
  GatewayId gateway;
  HubTime sent{};
  std::string software_version;
  std::uint64_t outbox_depth = 0;
  std::int64_t oldest_unacked_unix_ms = 0;
  std::vector<DeviceStatus> devices;
  std::map<std::string, std::uint64_t> counters;
  std::int64_t uptime_s = 0;
  // The hub's outbox disk (issue 22); empty state from older hubs.
  std::string storage_state;
  std::int64_t storage_full_since_unix_ms = 0;
  std::uint64_t storage_available_bytes = 0;
  bool storage_reserve_in_place = false;
};

// kotona.v1.GatewayStatus. Errors: kMalformed (not a GatewayStatus, invalid gateway id).
[[nodiscard]] Result<GatewayStatus> decode_status(std::string_view bytes);

// ---- For tests playing the gateway (never called by production code).
std::string encode_batch_for_test(const GatewayId& gateway, std::uint64_t batch_id,
                                  const std::vector<Reading>& readings,
                                  std::uint32_t schema_version = kSchemaVersion);
struct AckForTest {
  GatewayId gateway;
  std::uint64_t batch_id = 0;
  std::vector<store::ReadingOutcome> readings;
};
[[nodiscard]] Result<AckForTest> decode_ack_for_test(std::string_view bytes);
std::string encode_status_for_test(const GatewayStatus& status);

}  // namespace kotona::server::ingest
