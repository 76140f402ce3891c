#include "firmware-sim/bp_records.h"

#include <cstdio>

namespace kotona::firmware_sim {

namespace {

std::string pressure(int mmhg, bool kpa, const char** unit) {
  char buf[32];
  if (kpa) {
    *unit = "kPa";
    std::snprintf(buf, sizeof buf, "%.3f", mmhg / kMmhgPerKpa);
  } else {
    *unit = "mmHg";
    std::snprintf(buf, sizeof buf, "%d", mmhg);
  }
  return buf;
}

std::string result(int seq, const char* test, const std::string& value, const char* unit,
                   const char* flag, const std::string& time) {
  return "R|" + std::to_string(seq) + "|^^^" + test + "|" + value + "|" + unit + "||" + flag +
         "||F||||" + time + "\r";
}

}  // namespace

std::string format_astm_time(std::chrono::sys_seconds t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u%02d%02d%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string escape_astm(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '|': out += "&F&"; break;
      case '\\': out += "&R&"; break;
      case '^': out += "&S&"; break;
      case '&': out += "&E&"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<std::string> make_bp_records(const BpDeviceInfo& info, std::chrono::sys_seconds now,
                                         const std::vector<BpMeasurement>& measurements) {
  std::vector<std::string> records;
  records.push_back("H|\\^&|||" + escape_astm(info.vendor) + "^" + escape_astm(info.model) + "^" +
                    escape_astm(info.serial) + "^" + escape_astm(info.firmware) +
                    "|||||||P|LIS2-A2|" + format_astm_time(now) + "\r");
  records.push_back("P|1\r");
  int seq = 1;
  for (const BpMeasurement& m : measurements) {
    const std::string time = format_astm_time(m.measured);
    records.push_back("O|" + std::to_string(seq++) + "|" + std::to_string(m.record) +
                      "||^^^BP|||" + time + "\r");
    const char* unit = "";
    const std::string sys = pressure(m.systolic_mmhg, info.kpa, &unit);
    records.push_back(result(1, "SYS", sys, unit, m.systolic_mmhg >= 140 ? "H" : "N", time));
    const std::string dia = pressure(m.diastolic_mmhg, info.kpa, &unit);
    records.push_back(result(2, "DIA", dia, unit, m.diastolic_mmhg >= 90 ? "H" : "N", time));
    records.push_back(result(3, "PULSE", std::to_string(m.pulse_per_min), "/min", "N", time));
  }
  records.push_back("L|1|N\r");
  return records;
}

std::string ledger_line(const std::string& serial, const BpMeasurement& m,
                        std::int64_t delivered_unix_ms) {
  // serial is checked to be [A-Za-z0-9._-] at startup, so no JSON escaping is needed.
  return "{\"device\":\"astm-bp\",\"serial\":\"" + serial + "\",\"record\":\"" +
         std::to_string(m.record) + "\",\"kind\":\"bp\",\"systolic_mmhg\":" +
         std::to_string(m.systolic_mmhg) + ",\"diastolic_mmhg\":" +
         std::to_string(m.diastolic_mmhg) + ",\"pulse_per_min\":" +
         std::to_string(m.pulse_per_min) +
         ",\"delivered_unix_ms\":" + std::to_string(delivered_unix_ms) + "}";
}

}  // namespace kotona::firmware_sim
