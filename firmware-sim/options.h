// Command line of kotona-firmware-sim (docs/contracts.md): `DEVICE [options] [script...]`.
// Parsing is pure so tests cover every rule. Value types; thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "firmware-sim/bp_records.h"
#include "firmware-sim/meter_records.h"

namespace kotona::firmware_sim {

struct ScriptStep {
  enum class Kind { kMeasure, kWait, kGarbage, kBadChecksum, kResendAll, kLoop, kUnplug,
                    kReplug, kHold, kNakStorm, kUnplugMidFrame, kResetCounter, kBadReport };
  Kind kind = Kind::kHold;
  int systolic = 0, diastolic = 0, pulse = 0;  // kMeasure
  std::chrono::milliseconds duration{0};       // kWait, kLoop
  std::size_t count = 0;                       // kGarbage, kNakStorm, kBadReport
  double value = 0;             // kMeasure on astm-inr (ratio) / astm-glucose (mmol/L or mg/dL)
  bool is_mg_per_dl = false;    // kMeasure on astm-glucose: `measure 97mgdl`
  bool is_control = false;      // kMeasure from `control` (astm-inr, astm-glucose): a QC run
  std::string preset{};         // kMeasure on implant-relay: ok rrt eos shock af lead
  // kMeasure on astm-inr / astm-glucose: the meter's range indicator sent as the R.4 text
  // instead of a number ("HI", "LO", ">8.0", "<0.8"); `value` is then its limit (mmol/L).
  std::string shown{};
  friend bool operator==(const ScriptStep&, const ScriptStep&) = default;
};

struct SimOptions {
  std::string device;  // "astm-bp", "astm-inr", "astm-glucose" or "implant-relay"
  std::string link;    // symlink to the pty slave; empty: print the slave path only
  BpDeviceInfo info;
  std::chrono::seconds clock_offset{0};
  std::optional<std::chrono::sys_seconds> clock_fixed;  // --clock-fixed: a stopped clock
  std::string relay_serial = "RLYSIM0001";              // implant-relay --relay-serial
  bool resend_on_connect = false;  // --resend-on-connect on: whole memory again on each replug
  std::string ledger;  // empty: no ledger
  std::uint32_t first_record = 1;
  std::chrono::milliseconds reply_timeout{15000};
  std::chrono::milliseconds retry{2000};
  std::vector<ScriptStep> script;
  MeterExtras extras;  // astm-inr --strip-lot, astm-glucose --meal
  // astm-glucose --transport hid (issue 14): the meter is a USB HID node at --link (hid_port.h),
  // listed in --hid-sysfs DIR with --usb-id VVVV:PPPP (default 1a79:7410, Contour Next USB).
  bool hid = false;
  std::string hid_sysfs;
  std::uint16_t usb_vendor = 0x1a79;
  std::uint16_t usb_product = 0x7410;
};

// args = argv[1..]. Error kConfig with one clear line for an unknown device, option or script
// command (or one the device does not have), a missing or bad value, or a serial outside
// [A-Za-z0-9._-]{1,64}. astm-inr / astm-glucose default to model SIM-INR1 / SIM-GLU1 and
// serial INRSIM0001 / GLUSIM0001.
[[nodiscard]] Result<SimOptions> parse_options(const std::vector<std::string>& args);

inline constexpr const char* kUsage =
    "usage: kotona-firmware-sim astm-bp [--link PATH] [--serial S] [--vendor V] [--model M] "
    "[--clock-offset-s N] [--ledger FILE] [--first-record N] [--reply-timeout-ms MS] "
    "[--retry-ms MS] [--units mmHg|kPa] [measure S/D/P | wait MS | garbage N | bad-checksum | "
    "resend-all | loop MS | unplug | replug | hold]...; "
    "kotona-firmware-sim astm-inr [same options, --strip-lot LOT instead of --units] "
    "[measure RATIO | control | ...]; "
    "kotona-firmware-sim astm-glucose [same options, --meal BEFORE|AFTER|FASTING|BEDTIME "
    "and --dialect reference|contour instead of --units; both: --framing "
    "record|etb-per-record|one-frame] "
    "[measure MMOL | measure NNmgdl | control | ...]; "
    "kotona-firmware-sim implant-relay [same options, --relay-serial S instead of --units] "
    "[measure ok|rrt|eos|shock|af|lead | ...]; every device: "
    "[--clock-fixed YYYYMMDDHHMMSS] [--resend-on-connect on|off] "
    "[nak-storm N | unplug-mid-frame]; astm-glucose over USB HID: --transport serial|hid "
    "[--hid-sysfs DIR] [--usb-id VVVV:PPPP] [bad-report N]";

}  // namespace kotona::firmware_sim
