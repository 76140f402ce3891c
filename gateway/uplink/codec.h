// Gateway side of wire schema v1 (proto/kotona/v1/readings.proto). The ONLY gateway files that
// include the generated *.pb.h are codec.h's .cpp; protobuf types never leave it. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/reading.h"
#include "core/result.h"

namespace kotona::gateway {

// Encoded kotona.v1.Reading; the outbox stores these bytes.
std::string encode_reading(const Reading& reading);
// Errors: kMalformed (not a Reading, no measurement, missing required quantity).
[[nodiscard]] Result<Reading> decode_reading(const std::string& bytes);

// kotona.v1.ReadingBatch from already-encoded Reading payloads.
// Errors: kMalformed when a payload is not an encoded Reading.
[[nodiscard]] Result<std::string> encode_batch(const GatewayId& gateway, std::uint64_t batch_id,
                                               HubTime sent, std::span<const std::string> payloads);

struct AckMessage {
  GatewayId gateway;
  std::uint64_t batch_id = 0;
  std::vector<std::string> reading_uids;  // every disposition: stored, duplicate, quarantined...
};
// Errors: kMalformed for bytes that are not an Ack or an Ack without gateway id.
[[nodiscard]] Result<AckMessage> decode_ack(const std::string& bytes);

// Records of a device its driver refused for one reason (issue 13; gateway/refused_records.h).
struct RefusedInfo {
  std::string reason;  // Errc name
  std::uint64_t count = 0;
  HubTime last{};
};

struct DeviceStatusInfo {
  std::string serial;
  std::string driver;
  std::string port;
  std::string state;  // "connected", "absent", "error"
  std::optional<HubTime> last_seen;
  std::vector<RefusedInfo> refused = {};
};

struct StorageStatusInfo {  // the outbox's disk (issue 22)
  std::string state = "ok";  // "ok", "low", "full"
  std::optional<HubTime> full_since;
  std::uint64_t available_bytes = 0;
  bool reserve_in_place = false;
};

struct GatewayStatusInfo {
  GatewayId gateway;
  HubTime sent{};
  std::string software_version;
  std::uint64_t outbox_depth = 0;
  std::optional<HubTime> oldest_unacked;
  std::vector<DeviceStatusInfo> devices;
  std::map<std::string, std::uint64_t> counters;
  std::chrono::seconds uptime{0};
  StorageStatusInfo storage;
};
std::string encode_status(const GatewayStatusInfo& status);

// For tests playing the server: an encoded Ack naming `uids`.
std::string encode_ack_for_test(const GatewayId& gateway, std::uint64_t batch_id,
                                std::span<const std::string> uids);
// For tests playing the server: the batch id and encoded readings of a ReadingBatch.
struct DecodedBatch {
  GatewayId gateway;
  std::uint64_t batch_id = 0;
  std::vector<Reading> readings;
};
[[nodiscard]] Result<DecodedBatch> decode_batch_for_test(const std::string& bytes);

}  // namespace kotona::gateway
