// The wire codec of schema v1 (proto/kotona/v1/readings.proto), one for both wings and every
// test in both directions (issue 16 step 2): domain values in, bytes out, and back. Protobuf
// types never leave proto/codec/ (messages.h is the one file that includes the generated
// header). Pure; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/reading.h"
#include "core/result.h"

namespace kotona::wire {

inline constexpr std::uint32_t kSchemaVersion = 1;

// ---- Reading (the hub's outbox stores these bytes).
std::string encode_reading(const Reading& reading);
// The domain Reading, validated: gateway id and device serial are valid id text, units are
// the schema's, a comparator only where the domain has one, device times within sane bounds,
// a known time precision, and the uid derived from the device-native fields (invariant 2).
// Errors: kOutOfRange for a non-finite value or one beyond +-1e6 (never a measurement in any
// unit of the schema; the detail names it, for the technical alert of invariant 13),
// kMalformed for everything else.
[[nodiscard]] Result<Reading> decode_reading(std::string_view bytes);

// ---- ReadingBatch.
// From already-encoded readings (outbox payloads). Errors: kMalformed, index = the payload.
[[nodiscard]] Result<std::string> encode_batch(const GatewayId& gateway, std::uint64_t batch_id,
                                               HubTime sent, std::span<const std::string> payloads);
// From readings (tests playing the hub; schema_version other than 1 to test refusals).
std::string encode_batch(const GatewayId& gateway, std::uint64_t batch_id, HubTime sent,
                         const std::vector<Reading>& readings,
                         std::uint32_t schema_version = kSchemaVersion);

struct RejectedReading {
  std::string reading_uid;  // as sent; may be empty
  Error error;
  std::string payload;  // the reading's own encoded bytes
};
struct Batch {
  GatewayId gateway;
  std::uint64_t batch_id = 0;
  std::int64_t sent_unix_ms = 0;  // the hub's clock; 0 when the hub did not say
  std::vector<Reading> readings;  // valid, in batch order
  std::vector<RejectedReading> rejected;
};
// A bad reading inside a good batch is not an error: it lands in Batch::rejected with its
// reason (decode_reading). Whole-batch errors: kMalformed (not a ReadingBatch, a gateway id
// that is not valid id text), kUnsupported (schema_version != 1).
[[nodiscard]] Result<Batch> decode_batch(std::string_view bytes);

// ---- Ack: every uid of a batch the server committed, duplicates included.
enum class Disposition { kUnspecified, kStored, kDuplicate, kQuarantined, kRejected };
struct AckEntry {
  std::string reading_uid;
  Disposition disposition = Disposition::kStored;
};
struct Ack {
  GatewayId gateway;
  std::uint64_t batch_id = 0;
  std::vector<AckEntry> readings;
};
std::string encode_ack(const Ack& ack);
// Errors: kMalformed (not an Ack, no gateway id, an entry without reading_uid).
[[nodiscard]] Result<Ack> decode_ack(std::string_view bytes);

// ---- GatewayStatus: the hub's heartbeat.
struct RefusedRecords {  // records of a device its driver refused for one reason (issue 13)
  std::string reason;    // Errc name
  std::uint64_t count = 0;
  HubTime last{};
};
struct SkippedValues {  // the current run of values a driver skipped for one reason
  std::string reason;   // the driver's name: "no_skin_contact"
  std::uint64_t count = 0;
  HubTime since{};  // the run's first
  HubTime last{};   // its latest
};
struct DeviceStatus {
  std::string serial;
  std::string driver;
  std::string port;
  std::string state;  // "connected", "absent", "error"
  std::optional<HubTime> last_seen;
  std::vector<RefusedRecords> refused = {};
  std::vector<SkippedValues> skipped = {};
  std::string error = {};                   // state "error" only: why (a class, not OS text)
  std::optional<HubTime> error_since = {};  // state "error" only: since when
};
struct StorageStatus {       // the outbox's disk (issue 22)
  std::string state = "ok";  // "ok", "low", "full"
  std::optional<HubTime> full_since;
  std::uint64_t available_bytes = 0;
  bool reserve_in_place = false;
};
struct GatewayStatus {
  GatewayId gateway;
  HubTime sent{};
  std::string software_version;
  std::uint64_t outbox_depth = 0;
  std::optional<HubTime> oldest_unacked;
  std::vector<DeviceStatus> devices;
  std::map<std::string, std::uint64_t> counters;
  std::chrono::seconds uptime{0};
  std::optional<StorageStatus> storage;  // absent from hubs older than issue 22
};
std::string encode_status(const GatewayStatus& status);
// Errors: kMalformed (not a GatewayStatus, a gateway id that is not valid id text).
[[nodiscard]] Result<GatewayStatus> decode_status(std::string_view bytes);

// ---- What readings carry on the wire, field by field (conformance tests, tools): each set
// Quantity as {path, value, ucum, mdc_code}, each other set scalar as {path, text} (enums by
// name), paths from the measurement down ("inr.ratio", "implant.right_ventricle.lead_impedance").
struct WireField {
  double value = 0;
  std::string ucum;
  std::uint32_t mdc_code = 0;
  std::string text;  // scalars that are not a Quantity
};
using ReadingFields = std::map<std::string, WireField>;  // by path
// The measurement fields of every reading of a ReadingBatch, by reading_uid. Errors: kMalformed.
[[nodiscard]] Result<std::map<std::string, ReadingFields>> batch_fields(std::string_view bytes);

}  // namespace kotona::wire
