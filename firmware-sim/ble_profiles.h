// The simulated BLE devices as data: one row per device (its profile service and
// characteristics, the encoder of its stored values, how the hub identifies a record, and its
// ledger kind and keys). A new simulated BLE device is one row in ble_profiles.cpp; DEVICES.md
// lists the rows (ble_sim_test fails when they disagree). Immutable after start; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "firmware-sim/bluez_server.h"
#include "firmware-sim/gatt_encoder.h"

namespace kotona::firmware_sim {

// One stored measurement: the device's own record number, its clock when measured, and up to
// three numbers in the order of BleProfile::value_keys.
struct StoredValue {
  std::uint16_t sequence = 0;
  std::chrono::sys_seconds time{};
  double a = 0, b = 0, c = 0;
};

// How the hub's driver identifies a record (docs/contracts.md "firmware-sim ledger").
enum class RecordKey {
  kSequenceAndTime,  // the device's record number and base time: "r<sequence>-<unix s>"
  kDeviceTime,       // no record number: the device time, "t<unix s>"
  kHubAssigned,      // no record number, no clock: the hub's receive time, unknown to the device
};

struct BleProfile {
  std::string_view device;         // command-line name, "ble-bp"
  std::string_view title;          // "Blood Pressure"
  std::string_view serial, model;  // DIS defaults
  std::uint16_t service = 0;       // advertised profile service
  std::vector<CharSpec> characteristics;
  std::uint16_t measurement = 0;    // the characteristic stored values go out on
  bool racp = false;                // records fetched by RACP requests, not pushed on subscription
  bool has_clock = true;            // Current Time service; without it values carry no time stamp
  std::string_view measure_syntax;  // script: `measure S/D/P`
  std::string_view kind;            // ledger "kind"
  std::vector<std::string_view> value_keys;  // ledger keys of a, b, c: as many as `measure` takes
  RecordKey record_key = RecordKey::kDeviceTime;
  gatt::Bytes (*encode)(const StoredValue&) = nullptr;
  // A contact sensor's value as sent off the skin (`measure off-skin`); nullptr: no such sensor.
  gatt::Bytes (*encode_off_skin)(const StoredValue&) = nullptr;
  std::vector<std::pair<std::uint16_t, gatt::Bytes>> reads;  // fixed values (features, type)
};

const std::vector<BleProfile>& ble_profiles();
// The row named `device`; nullptr when there is none.
const BleProfile* find_ble_profile(std::string_view device);
// The key the ledger names a record by (RecordKey); nullopt when the hub assigns it.
std::optional<std::string> record_key(const BleProfile& profile, const StoredValue& value);
// The rows as DEVICES.md lists them (one bullet each).
std::string describe_ble_profiles();
// "ble-bp|ble-glucose|...".
std::string ble_device_names();

}  // namespace kotona::firmware_sim
