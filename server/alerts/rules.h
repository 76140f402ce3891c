// Clinical alert rules: pure functions from one stored reading (with its enrolled patient) to
// the alerts it raises. No IO, clock or state; thread-safe. The store calls evaluate_rules()
// inside the reading's transaction (invariant 7).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/ids.h"
#include "core/reading.h"
#include "core/result.h"

namespace kotona::server::alerts {

enum class Priority { kHigh, kMedium, kLow };

// "high", "medium", "low": the stored and exported spelling.
std::string_view to_string(Priority priority);
// The inverse of to_string(); nullopt for any other text (a DB column or query parameter).
std::optional<Priority> parse_priority(std::string_view text);

// One value an alert's sentence names, by key, for the page's per-language templates (issue 18):
// numbers stay numbers (the page writes their decimals per locale; keys ending "_s" are
// durations), texts are ids, serials, comparators ("<", ">") or a template variant ("form").
struct AlertValue {
  std::string key;
  std::variant<double, std::string> value;
  friend bool operator==(const AlertValue&, const AlertValue&) = default;
};
using AlertValues = std::vector<AlertValue>;

struct AlertDraft {
  std::string rule_id;  // stable, e.g. "bp.crisis"; part of the deterministic alert id
  Priority priority = Priority::kLow;
  std::string message;  // for clinicians: names the values and the threshold
  // The thresholds the rule compared against, e.g. {"systolic_mmhg", 180}.
  std::vector<std::pair<std::string, double>> threshold;
  AlertValues values;  // what `message` says, for the page's sentence in the reader's language
  friend bool operator==(const AlertDraft&, const AlertDraft&) = default;
};

inline constexpr std::string_view kBpCrisisRule = "bp.crisis";
inline constexpr std::string_view kBpHypotensionRule = "bp.hypotension";
inline constexpr std::string_view kInrOutOfRangeRule = "inr.out_of_range";
inline constexpr std::string_view kInrFarOutOfRangeRule = "inr.far_out_of_range";
inline constexpr std::string_view kGlucoseHypoL1Rule = "glucose.hypo_l1";
inline constexpr std::string_view kGlucoseHypoL2Rule = "glucose.hypo_l2";
inline constexpr std::string_view kGlucoseHyperRule = "glucose.hyper";
inline constexpr std::string_view kSpo2LowRule = "spo2.low";
inline constexpr std::string_view kImplantBatteryRule = "implant.battery_rrt_eri";
inline constexpr std::string_view kImplantLeadImpedanceRule = "implant.lead_impedance";
inline constexpr std::string_view kImplantShockRule = "implant.shock_delivered";
inline constexpr std::string_view kImplantAfBurdenRule = "implant.af_burden";
inline constexpr std::string_view kWeightGainRule = "weight.gain";

inline constexpr double kCrisisSystolicMmhg = 180;
inline constexpr double kCrisisDiastolicMmhg = 110;

// Per-patient rule thresholds. Defaults are the documented clinical defaults (sources in
// README.md); a patient's overrides come from `key=value` lines (parse_rule_setting()).
// Comparisons: "low" limits fire on value < limit, "high" limits on value >= limit, except
// the INR target range, which fires outside [inr_target_low, inr_target_high].
struct RuleConfig {
  // ESC/ESH 2018/2023: hypertensive emergency/urgency >= 180 systolic or >= 110 diastolic.
  double bp_crisis_systolic_mmhg = kCrisisSystolicMmhg;
  double bp_crisis_diastolic_mmhg = kCrisisDiastolicMmhg;
  // Hypotension: systolic < 90 mmHg (ESC definition used for shock/hypotension).
  double bp_hypotension_systolic_mmhg = 90;
  // ACCP/ESC VKA target range for AF/VTE: INR 2.0-3.0; "far outside": < 1.5 or >= 5.0.
  double inr_target_low = 2.0;
  double inr_target_high = 3.0;
  double inr_far_low = 1.5;
  double inr_far_high = 5.0;
  // ADA Standards of Care (6. Glycemic Goals): level 1 < 3.9 mmol/L, level 2 < 3.0 mmol/L.
  double glucose_hypo_l1_mmol_l = 3.9;
  double glucose_hypo_l2_mmol_l = 3.0;
  // Hyperglycaemia needing action: >= 13.9 mmol/L (250 mg/dL; ADA ketone-check threshold).
  double glucose_hyper_mmol_l = 13.9;
  // BTS oxygen guideline: SpO2 < 92 % (set 88 for COPD patients with CO2 retention).
  double spo2_low_percent = 92;
  // HRS 2015 expert consensus on CIED remote monitoring: lead impedance normally 200-2000 ohm
  // (pacing); outside -> lead fracture / insulation break suspected.
  double lead_impedance_low_ohm = 200;
  double lead_impedance_high_ohm = 2000;
  // AF burden alert: >= 6 % of monitored time. A site choice, not a guideline figure
  // (no guideline fixes one); set per patient.
  double af_burden_percent = 6;
  // ESC 2021 heart-failure guideline (self-care): an unexpected weight gain of > 2 kg in 3
  // days is a sign of fluid retention to act on. weight_gain_days = 0 turns the rule off.
  double weight_gain_kg = 2;
  double weight_gain_days = 3;
  friend bool operator==(const RuleConfig&, const RuleConfig&) = default;
};

// One settable threshold: its key (config and API spelling) and its RuleConfig field, in the
// order the page lists them (rule_setting_fields()).
struct RuleSettingField {
  std::string_view key;
  double RuleConfig::*member;
};
std::span<const RuleSettingField> rule_setting_fields();

// Why settings were refused, for a reader's language (issue 18 part 5: the page's catalogue
// key "thresholds.refused.<code>"): code "format" (no '='), "unknown" (key), "number" (value
// not a non-negative finite number), "empty" (nothing given), or the consistency check that
// failed: "inr", "glucose", "bp", "lead". `key` and `value` name the setting (empty for a
// consistency check); `detail` is the config parser's English text (logs, config errors).
struct RuleSettingRefusal {
  std::string code;
  std::string key;
  std::string value;
  std::string detail;
};

// parse_rule_settings() with its refusal spelled out: nullopt and `config` updated when
// accepted; the refusal and `config` unchanged otherwise. THE validation of both the config
// `rule` lines and the page's threshold edits.
std::optional<RuleSettingRefusal> apply_rule_settings(std::string_view settings,
                                                      RuleConfig& config);

// Applies one `key=value` setting (e.g. "inr_target_low=2.5") to `config`. Keys are the
// RuleConfig field names. Errors (Errc::kConfig): unknown key, non-numeric or non-finite
// value, or a setting that makes the config inconsistent (e.g. target_low > target_high).
Result<void> parse_rule_setting(std::string_view line, RuleConfig& config);

// Applies every whitespace-separated `key=value` setting in `settings` (e.g.
// "inr_target_low=2.5 inr_target_high=3.5") and checks consistency once, after all of them,
// so a range can be moved in one go. On error `config` is unchanged. Errors as above.
Result<void> parse_rule_settings(std::string_view settings, RuleConfig& config);

// Every alert `reading` raises for `patient` under `config`, in rule order. Control-solution /
// QC readings (quality.control_result) and implausible ones (quality.implausible) never alert.
// A device range indicator alerts like the value it stands for (invariant 14): INR above the
// meter's range -> inr.far_out_of_range; glucose HI -> glucose.hyper at HIGH priority; glucose
// LO -> glucose.hypo_l2. Rules (rule_id -> priority):
//   bp.crisis (high), bp.hypotension (high), inr.far_out_of_range (high) else
//   inr.out_of_range (medium), glucose.hypo_l2 (high) else glucose.hypo_l1 (medium),
//   glucose.hyper (medium), spo2.low (high), implant.battery_rrt_eri (medium; EOS -> high),
//   implant.lead_impedance (high, one alert naming every chamber out of range),
//   implant.shock_delivered (high), implant.af_burden (medium).
std::vector<AlertDraft> evaluate_rules(const Reading& reading, const PatientId& patient,
                                       const RuleConfig& config);
// A weight measured at `at`, with the patient's earlier weights (any order, any span).
struct WeightPoint {
  HubTime at{};
  double kg = 0;
};

// weight.gain (medium) when `current` exceeds the lowest earlier weight within the
// preceding weight_gain_days by more than weight_gain_kg. Trend rules need history, so the
// store calls this next to evaluate_rules() in the same transaction.
std::vector<AlertDraft> evaluate_weight_trend(const WeightPoint& current,
                                              const std::vector<WeightPoint>& earlier,
                                              const RuleConfig& config);

// Same with the default RuleConfig.
std::vector<AlertDraft> evaluate_rules(const Reading& reading, const PatientId& patient);

}  // namespace kotona::server::alerts
