// Command line of the simulated BLE peripherals (docs/contracts.md, DEVICES.md):
// `kotona-firmware-sim <device of ble_profiles.h> --bus ADDRESS [options] [script...]`. Pure
// parsing; value types.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "firmware-sim/ble_profiles.h"

namespace kotona::firmware_sim {

struct BleStep {
  enum class Kind {
    kMeasure,
    kWait,
    kBurst,
    kDropAfter,
    kBondLost,
    kPairingMode,
    kDropLink,
    kResetCounter,
    kHold
  };
  Kind kind = Kind::kHold;
  double a = 0, b = 0, c = 0;             // kMeasure: BleProfile::value_keys in order
  bool garbled = false;                   // kMeasure: `measure garbled` (firmware fault, issue 13)
  bool off_skin = false;                  // kMeasure: `measure off-skin` (a strap worn loose)
  std::chrono::milliseconds duration{0};  // kWait
  std::size_t count = 0;                  // kBurst (measurements), kDropAfter (values)
  friend bool operator==(const BleStep&, const BleStep&) = default;
};

struct BleOptions {
  const BleProfile* profile = nullptr;  // the row of `device` (never null after parsing)
  std::string device;                   // "ble-bp", ...
  std::string bus;                      // D-Bus address of the private bus (required)
  std::string adapter = "hci0";
  std::string address = "C0:FF:EE:00:00:01";
  std::string serial;  // DIS serial number; default per profile
  std::string vendor = "Kotona Sim";
  std::string model;                                // DIS model; default per profile
  std::string ledger;                               // empty: none
  std::chrono::seconds clock_offset{0};             // device clock - true UTC
  std::uint16_t first_sequence = 1;                 // glucose sequence number of the first record
  bool bonded = true;                               // --unbonded: the hub must discover and pair it
  std::chrono::milliseconds idle_disconnect{8000};  // drop the link when idle this long
  std::chrono::milliseconds value_interval{20};     // between stored values sent
  std::vector<BleStep> script;
};

// args = argv[1..]. Error kConfig naming the bad option or command.
[[nodiscard]] Result<BleOptions> parse_ble_options(const std::vector<std::string>& args);
bool is_ble_device(const std::string& device);

// The command line, with the device names of ble_profiles().
std::string ble_usage();
inline constexpr const char* kBleUsageOptions =
    "--bus ADDRESS [--adapter hci0] [--address AA:BB:CC:DD:EE:FF] [--serial S] [--vendor V] "
    "[--model M] [--ledger FILE] [--clock-offset-s N] [--first-sequence N] [--unbonded] "
    "[--idle-disconnect-ms MS] [--value-interval-ms MS] [measure VALUES|garbled|off-skin | "
    "wait MS | burst N | drop-after N | drop-link | reset-counter | bond-lost | pairing-mode | "
    "hold]...";

}  // namespace kotona::firmware_sim
