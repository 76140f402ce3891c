// The simulated ASTM INR and glucose meters' E1394 / CLSI LIS2-A2 records (layouts in
// drivers/astm_inr/README.md and drivers/astm_glucose/README.md, written again here from those
// profiles, not shared) and their ledger lines (docs/contracts.md). Pure; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "firmware-sim/bp_records.h"

namespace kotona::firmware_sim {

inline constexpr double kMgPerDlPerMmolPerL = 18.0156;

struct MeterMeasurement {
  std::uint32_t record = 0;  // device memory record number
  double value = 0;          // INR ratio; glucose in mmol/L, or mg/dL when is_mg_per_dl
  bool is_mg_per_dl = false;  // glucose only: sent in mg/dL as a whole number
  bool is_control = false;    // QC / control-solution run
  std::chrono::sys_seconds measured{};  // device clock (may be wrong on purpose)
  std::string shown{};  // non-empty: sent as R.4 instead of the number ("HI", ">8.0"); value is
                        // then the limit in mmol/L / INR
};

struct MeterExtras {
  std::string strip_lot = "287451";  // INR: sent in a C record, LOT^<lot>
  std::string meal;                  // glucose: BEFORE AFTER FASTING BEDTIME, empty = none
  bool contour = false;              // glucose --dialect contour: the Contour family layout
  std::string framing = "record";    // --framing record | etb-per-record | one-frame
};

// H, P, then per measurement O (O.12 Q for control) + R INR + R PT (ratio x 12 s) + C LOT,
// then L; each record ends CR.
std::vector<std::string> make_inr_records(const BpDeviceInfo& info, const MeterExtras& extras,
                                          std::chrono::sys_seconds now,
                                          const std::vector<MeterMeasurement>& measurements);

// H, P, then per measurement O (O.12 Q for control) + R GLU (mmol/L one decimal, or mg/dL
// whole) + C MEAL (patient runs, when set), then L; each record ends CR.
std::vector<std::string> make_glucose_records(const BpDeviceInfo& info, const MeterExtras& extras,
                                              std::chrono::sys_seconds now,
                                              const std::vector<MeterMeasurement>& measurements);

// The Contour family's layout (facts from glucometerutils' contourusb and Tidepool's
// bayerContourNext, written again here): H.5 model^firmware\analog\agp^serial^sku, H.6 U=0
// mg/dL or 1 mmol/L, then per measurement R|n|^^^Glucose|value|unit^P||markers||YYYYMMDDHHMM
// with no O record (markers: C control, B before / A after meal), L|1||N.
std::vector<std::string> make_contour_records(const BpDeviceInfo& info, const MeterExtras& extras,
                                              std::chrono::sys_seconds now,
                                              const std::vector<MeterMeasurement>& measurements);

// The hub's record id for a Contour result: t<YYYYMMDDHHMM>-<value as sent> (the meter's R.2
// is only a position in the transfer).
std::string contour_record_id(const MeterMeasurement& m);

// Glucose in mmol/L rounded to 0.1, as drivers/astm_glucose/README.md says the hub stores it.
double glucose_mmol_per_l(const MeterMeasurement& m);

// One JSON line (no newline) for --ledger: {"device","serial","record","kind":"inr"|"glucose",
// "inr" | "mmol_per_l", "control", "delivered_unix_ms"}. `device` is "astm-inr"/"astm-glucose".
// `record` replaces the record number when set (Contour: contour_record_id()).
std::string meter_ledger_line(const std::string& device, const std::string& serial,
                              const MeterMeasurement& m, std::int64_t delivered_unix_ms,
                              const std::string& record = "");

}  // namespace kotona::firmware_sim
