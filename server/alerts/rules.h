// Clinical alert rules: pure functions from one stored reading (with its enrolled patient) to
// the alerts it raises. No IO, clock or state; thread-safe. The store calls evaluate_rules()
// inside the reading's transaction (invariant 7).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/ids.h"
#include "core/reading.h"

namespace kotona::server::alerts {

enum class Priority { kHigh, kMedium, kLow };

// "high", "medium", "low": the stored and exported spelling.
std::string_view to_string(Priority priority);

struct AlertDraft {
  std::string rule_id;  // stable, e.g. "bp.crisis"; part of the deterministic alert id
  Priority priority = Priority::kLow;
  std::string message;  // for clinicians: names the values and the threshold
  // The thresholds the rule compared against, e.g. {"systolic_mmhg", 180}.
  std::vector<std::pair<std::string, double>> threshold;
  friend bool operator==(const AlertDraft&, const AlertDraft&) = default;
};

inline constexpr std::string_view kBpCrisisRule = "bp.crisis";
inline constexpr double kCrisisSystolicMmhg = 180;
inline constexpr double kCrisisDiastolicMmhg = 110;

// Every alert `reading` raises for `patient`, in rule order. Control-solution / QC readings
// (quality.control_result) never alert.
// v0 rules: "bp.crisis" (systolic >= 180 or diastolic >= 110 mmHg) -> high.
std::vector<AlertDraft> evaluate_rules(const Reading& reading, const PatientId& patient);

}  // namespace kotona::server::alerts
