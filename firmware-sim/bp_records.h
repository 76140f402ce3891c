// The simulated ASTM blood-pressure meter's E1394 / CLSI LIS2-A2 records (layout in
// drivers/astm_bp/README.md, written again here from that profile, not shared) and its ledger
// line (docs/contracts.md). Pure; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace kotona::firmware_sim {

inline constexpr double kMmhgPerKpa = 7.50062;

struct BpMeasurement {
  std::uint32_t record = 0;  // device memory record number
  int systolic_mmhg = 0;
  int diastolic_mmhg = 0;
  int pulse_per_min = 0;
  std::chrono::sys_seconds measured{};  // device clock (may be wrong on purpose)
};

struct BpDeviceInfo {
  std::string vendor = "Kotona";
  std::string model = "SIM-BP1";
  std::string serial = "BPSIM0001";
  std::string firmware = "1.0.0";
  bool kpa = false;  // send pressures in kPa instead of mmHg
};

// YYYYMMDDHHMMSS (LIS2-A2 §7.1.10).
std::string format_astm_time(std::chrono::sys_seconds t);

// Escapes | \ ^ & as &F& &R& &S& &E& (LIS2-A2 §7.1.4).
std::string escape_astm(const std::string& text);

// H, P, then per measurement O + R SYS/DIA/PULSE, then L; each record ends CR.
std::vector<std::string> make_bp_records(const BpDeviceInfo& info, std::chrono::sys_seconds now,
                                         const std::vector<BpMeasurement>& measurements);

// One JSON line (no newline) for the --ledger file, docs/contracts.md "firmware-sim ledger".
std::string ledger_line(const std::string& serial, const BpMeasurement& m,
                        std::int64_t delivered_unix_ms);

}  // namespace kotona::firmware_sim
