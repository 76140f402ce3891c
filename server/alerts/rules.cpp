#include "server/alerts/rules.h"

#include <cmath>
#include <sstream>

namespace kotona::server::alerts {

namespace {

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

void evaluate_bp_crisis(const BloodPressure& bp, std::vector<AlertDraft>& out) {
  bool systolic_high = bp.systolic_mmhg >= kCrisisSystolicMmhg;
  bool diastolic_high = bp.diastolic_mmhg >= kCrisisDiastolicMmhg;
  if (!systolic_high && !diastolic_high) return;
  AlertDraft draft;
  draft.rule_id = std::string(kBpCrisisRule);
  draft.priority = Priority::kHigh;
  draft.message = "Hypertensive crisis: blood pressure " + number(bp.systolic_mmhg) + "/" +
                  number(bp.diastolic_mmhg) +
                  " mmHg (threshold: systolic >= " + number(kCrisisSystolicMmhg) +
                  " or diastolic >= " + number(kCrisisDiastolicMmhg) + " mmHg)";
  draft.threshold = {{"systolic_mmhg", kCrisisSystolicMmhg},
                     {"diastolic_mmhg", kCrisisDiastolicMmhg}};
  out.push_back(std::move(draft));
}

}  // namespace

std::string_view to_string(Priority priority) {
  switch (priority) {
    case Priority::kHigh:
      return "high";
    case Priority::kMedium:
      return "medium";
    case Priority::kLow:
      return "low";
  }
  return "low";
}

std::vector<AlertDraft> evaluate_rules(const Reading& reading, const PatientId& /*patient*/) {
  std::vector<AlertDraft> out;
  // A control-solution run says nothing about the patient (per-patient thresholds come later).
  if (reading.quality.control_result) return out;
  if (const auto* bp = std::get_if<BloodPressure>(&reading.measurement)) {
    evaluate_bp_crisis(*bp, out);
  }
  return out;
}

}  // namespace kotona::server::alerts
