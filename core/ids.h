// Distinct identifier types (STYLE.md §4): a GatewayId cannot be passed where a PatientId is
// expected. Value types; immutable after construction by convention.
#pragma once

#include <compare>
#include <functional>
#include <string>

namespace kotona {

template <typename Tag>
struct Id {
  std::string value;

  friend auto operator<=>(const Id&, const Id&) = default;
  friend bool operator==(const Id&, const Id&) = default;
  bool empty() const { return value.empty(); }
};

struct GatewayIdTag {};
struct PatientIdTag {};
struct ReadingUidTag {};
struct AlertIdTag {};
struct DeviceSerialTag {};

using GatewayId = Id<GatewayIdTag>;      // the hub: "gw-0001"
using PatientId = Id<PatientIdTag>;      // from the server's enrolment table only
using ReadingUid = Id<ReadingUidTag>;    // deterministic, see make_reading_uid()
using AlertId = Id<AlertIdTag>;          // deterministic from (reading_uid, rule id)
using DeviceSerial = Id<DeviceSerialTag>;  // the device's own serial number

// True when `id` is 1..64 characters of [A-Za-z0-9._-]: safe in MQTT topics, file names and
// logs. Gateway ids and device serials from untrusted input must pass this.
bool is_valid_id_text(const std::string& id);

}  // namespace kotona

template <typename Tag>
struct std::hash<kotona::Id<Tag>> {
  std::size_t operator()(const kotona::Id<Tag>& id) const noexcept {
    return std::hash<std::string>{}(id.value);
  }
};
