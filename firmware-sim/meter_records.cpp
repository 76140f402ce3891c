#include "firmware-sim/meter_records.h"

#include <cmath>
#include <cstdio>

namespace kotona::firmware_sim {

namespace {

std::string one_decimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string header(const BpDeviceInfo& info, std::chrono::sys_seconds now) {
  return "H|\\^&|||" + escape_astm(info.vendor) + "^" + escape_astm(info.model) + "^" +
         escape_astm(info.serial) + "^" + escape_astm(info.firmware) + "|||||||P|LIS2-A2|" +
         format_astm_time(now) + "\r";
}

std::string order(int seq, const MeterMeasurement& m, const char* test, const std::string& time) {
  // LIS2-A2 §9.4.12: action code Q marks a quality-control specimen.
  return "O|" + std::to_string(seq) + "|" + std::to_string(m.record) + "||^^^" + test + "|||" +
         time + (m.is_control ? "||||Q" : "") + "\r";
}

}  // namespace

std::vector<std::string> make_inr_records(const BpDeviceInfo& info, const MeterExtras& extras,
                                          std::chrono::sys_seconds now,
                                          const std::vector<MeterMeasurement>& measurements) {
  std::vector<std::string> records{header(info, now), "P|1\r"};
  int seq = 1;
  for (const MeterMeasurement& m : measurements) {
    const std::string time = format_astm_time(m.measured);
    records.push_back(order(seq++, m, "INR", time));
    const char* flag = m.value > 3.5 ? "H" : m.value < 2.0 ? "L" : "N";
    const std::string value = m.shown.empty() ? one_decimal(m.value) : escape_astm(m.shown);
    records.push_back("R|1|^^^INR|" + value + "|INR||" + flag + "||F||||" + time + "\r");
    if (m.shown.empty()) {  // beyond its range the meter has no clotting time to report
      records.push_back("R|2|^^^PT|" + one_decimal(m.value * 12.0) + "|s||" + flag + "||F||||" +
                        time + "\r");
    }
    records.push_back("C|1|I|LOT^" + escape_astm(extras.strip_lot) + "|G\r");
  }
  records.push_back("L|1|N\r");
  return records;
}

std::vector<std::string> make_glucose_records(const BpDeviceInfo& info, const MeterExtras& extras,
                                              std::chrono::sys_seconds now,
                                              const std::vector<MeterMeasurement>& measurements) {
  std::vector<std::string> records{header(info, now), "P|1\r"};
  int seq = 1;
  for (const MeterMeasurement& m : measurements) {
    const std::string time = format_astm_time(m.measured);
    records.push_back(order(seq++, m, "GLU", time));
    const double mmol = glucose_mmol_per_l(m);
    const char* flag = mmol < 3.9 ? "L" : mmol > 10.0 ? "H" : "N";
    const std::string value = !m.shown.empty() ? escape_astm(m.shown)
                              : m.is_mg_per_dl
                                  ? std::to_string(static_cast<long>(std::lround(m.value)))
                                  : one_decimal(m.value);
    records.push_back("R|1|^^^GLU|" + value + "|" + (m.is_mg_per_dl ? "mg/dL" : "mmol/L") + "||" +
                      flag + "||F||||" + time + "\r");
    if (!m.is_control && !extras.meal.empty()) {
      records.push_back("C|1|I|MEAL^" + extras.meal + "|G\r");
    }
  }
  records.push_back("L|1|N\r");
  return records;
}

namespace {

std::string glucose_value(const MeterMeasurement& m) {
  return m.is_mg_per_dl ? std::to_string(static_cast<long>(std::lround(m.value)))
                        : one_decimal(m.value);
}

std::string minute_time(std::chrono::sys_seconds t) { return format_astm_time(t).substr(0, 12); }

}  // namespace

std::vector<std::string> make_contour_records(const BpDeviceInfo& info, const MeterExtras& extras,
                                              std::chrono::sys_seconds now,
                                              const std::vector<MeterMeasurement>& measurements) {
  const bool mg = measurements.empty() || measurements.front().is_mg_per_dl;
  std::vector<std::string> records{
      "H|\\^&||sIm0k1|" + escape_astm(info.model) + "^" + escape_astm(info.firmware) +
          "\\01.04\\09.02^" + escape_astm(info.serial) + "^7403-|A=1^C=63^U=" +
          (mg ? "0" : "1") + "|" + std::to_string(measurements.size()) + "||||||1|" +
          minute_time(now) + "\r",
      "P|1\r"};
  int seq = 1;
  for (const MeterMeasurement& m : measurements) {
    const std::string markers = m.is_control              ? "C"
                                : extras.meal == "BEFORE" ? "B"
                                : extras.meal == "AFTER"  ? "A"
                                                          : "";
    records.push_back("R|" + std::to_string(seq++) + "|^^^Glucose|" + glucose_value(m) + "|" +
                      (m.is_mg_per_dl ? "mg/dL" : "mmol/L") + "^P||" + markers + "||" +
                      minute_time(m.measured) + "\r");
  }
  records.push_back("L|1||N\r");
  return records;
}

std::string contour_record_id(const MeterMeasurement& m) {
  return "t" + minute_time(m.measured) + "-" + glucose_value(m);
}

double glucose_mmol_per_l(const MeterMeasurement& m) {
  const double mmol = m.is_mg_per_dl ? std::round(m.value) / kMgPerDlPerMmolPerL : m.value;
  return std::round(mmol * 10) / 10;
}

std::string meter_ledger_line(const std::string& device, const std::string& serial,
                              const MeterMeasurement& m, std::int64_t delivered_unix_ms,
                              const std::string& record) {
  // serial is checked to be [A-Za-z0-9._-] at startup, so no JSON escaping is needed.
  const bool is_inr = device == "astm-inr";
  const std::string value = is_inr ? "\"inr\":" + one_decimal(m.value)
                                   : "\"mmol_per_l\":" + one_decimal(glucose_mmol_per_l(m));
  // shown is one of HI, LO, >n, <n, 5..4 / 2..6 (options.cpp): no escaping needed either.
  const std::string shown = m.shown.empty() ? "" : ",\"shown\":\"" + m.shown + "\"";
  return "{\"device\":\"" + device + "\",\"serial\":\"" + serial + "\",\"record\":\"" +
         (record.empty() ? std::to_string(m.record) : record) + "\",\"kind\":\"" +
         (is_inr ? "inr" : "glucose") + "\"," +
         value + shown + ",\"control\":" + (m.is_control ? "true" : "false") +
         ",\"delivered_unix_ms\":" + std::to_string(delivered_unix_ms) + "}";
}

}  // namespace kotona::firmware_sim
