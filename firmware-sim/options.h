// Command line of kotona-firmware-sim (docs/contracts.md): `DEVICE [options] [script...]`.
// Parsing is pure so tests cover every rule. Value types; thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "firmware-sim/bp_records.h"

namespace kotona::firmware_sim {

struct ScriptStep {
  enum class Kind { kMeasure, kWait, kGarbage, kBadChecksum, kResendAll, kLoop, kUnplug,
                    kReplug, kHold };
  Kind kind = Kind::kHold;
  int systolic = 0, diastolic = 0, pulse = 0;  // kMeasure
  std::chrono::milliseconds duration{0};       // kWait, kLoop
  std::size_t count = 0;                       // kGarbage
  friend bool operator==(const ScriptStep&, const ScriptStep&) = default;
};

struct SimOptions {
  std::string device;  // "astm-bp"
  std::string link;    // symlink to the pty slave; empty: print the slave path only
  BpDeviceInfo info;
  std::chrono::seconds clock_offset{0};
  std::string ledger;  // empty: no ledger
  std::uint32_t first_record = 1;
  std::chrono::milliseconds reply_timeout{15000};
  std::chrono::milliseconds retry{2000};
  std::vector<ScriptStep> script;
};

// args = argv[1..]. Error kConfig with one clear line for an unknown device, option or script
// command, a missing or bad value, or a serial outside [A-Za-z0-9._-]{1,64}.
[[nodiscard]] Result<SimOptions> parse_options(const std::vector<std::string>& args);

inline constexpr const char* kUsage =
    "usage: kotona-firmware-sim astm-bp [--link PATH] [--serial S] [--vendor V] [--model M] "
    "[--clock-offset-s N] [--ledger FILE] [--first-record N] [--reply-timeout-ms MS] "
    "[--retry-ms MS] [--units mmHg|kPa] [measure S/D/P | wait MS | garbage N | bad-checksum | "
    "resend-all | loop MS | unplug | replug | hold]...";

}  // namespace kotona::firmware_sim
