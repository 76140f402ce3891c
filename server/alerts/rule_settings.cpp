// Per-patient rule thresholds from config lines ("key=value ..."): parsed, range-checked and
// checked for consistency as a whole before any of them takes effect.
#include <charconv>
#include <cmath>

#include "server/alerts/rules.h"

namespace kotona::server::alerts {

namespace {

constexpr RuleSettingField kFields[] = {
    {"bp_crisis_systolic_mmhg", &RuleConfig::bp_crisis_systolic_mmhg},
    {"bp_crisis_diastolic_mmhg", &RuleConfig::bp_crisis_diastolic_mmhg},
    {"bp_hypotension_systolic_mmhg", &RuleConfig::bp_hypotension_systolic_mmhg},
    {"inr_target_low", &RuleConfig::inr_target_low},
    {"inr_target_high", &RuleConfig::inr_target_high},
    {"inr_far_low", &RuleConfig::inr_far_low},
    {"inr_far_high", &RuleConfig::inr_far_high},
    {"glucose_hypo_l1_mmol_l", &RuleConfig::glucose_hypo_l1_mmol_l},
    {"glucose_hypo_l2_mmol_l", &RuleConfig::glucose_hypo_l2_mmol_l},
    {"glucose_hyper_mmol_l", &RuleConfig::glucose_hyper_mmol_l},
    {"spo2_low_percent", &RuleConfig::spo2_low_percent},
    {"lead_impedance_low_ohm", &RuleConfig::lead_impedance_low_ohm},
    {"lead_impedance_high_ohm", &RuleConfig::lead_impedance_high_ohm},
    {"af_burden_percent", &RuleConfig::af_burden_percent},
    {"weight_gain_kg", &RuleConfig::weight_gain_kg},
    {"weight_gain_days", &RuleConfig::weight_gain_days},
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<RuleSettingRefusal> refused(std::string code, std::string key, std::string value,
                                          std::string detail) {
  return RuleSettingRefusal{std::move(code), std::move(key), std::move(value), std::move(detail)};
}

std::optional<RuleSettingRefusal> check_consistent(const RuleConfig& c) {
  if (!(c.inr_far_low <= c.inr_target_low && c.inr_target_low <= c.inr_target_high &&
        c.inr_target_high < c.inr_far_high)) {
    return refused("inr", "", "",
                   "INR limits must satisfy far_low <= target_low <= "
                   "target_high < far_high");
  }
  if (c.glucose_hypo_l2_mmol_l > c.glucose_hypo_l1_mmol_l ||
      c.glucose_hypo_l1_mmol_l >= c.glucose_hyper_mmol_l) {
    return refused("glucose", "", "", "glucose limits must satisfy hypo_l2 <= hypo_l1 < hyper");
  }
  if (c.bp_hypotension_systolic_mmhg >= c.bp_crisis_systolic_mmhg) {
    return refused("bp", "", "", "bp_hypotension_systolic_mmhg must be below the crisis limit");
  }
  if (c.lead_impedance_low_ohm >= c.lead_impedance_high_ohm) {
    return refused("lead", "", "", "lead_impedance_low_ohm must be below lead_impedance_high_ohm");
  }
  return std::nullopt;
}

// Sets one `key=value` without the consistency check.
std::optional<RuleSettingRefusal> apply_setting(std::string_view line, RuleConfig& config) {
  auto eq = line.find('=');
  if (eq == std::string_view::npos) {
    return refused("format", std::string(line), "",
                   "rule setting needs key=value: " + std::string(line));
  }
  std::string key(trim(line.substr(0, eq)));
  std::string text(trim(line.substr(eq + 1)));
  for (const auto& field : kFields) {
    if (field.key != key) continue;
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty() ||
        !std::isfinite(value) || value < 0) {
      return refused("number", key, text,
                     "rule setting " + key + ": not a non-negative number: " + text);
    }
    config.*field.member = value;
    return std::nullopt;
  }
  return refused("unknown", key, text, "unknown rule setting: " + key);
}

Result<void> as_result(const std::optional<RuleSettingRefusal>& refusal) {
  if (refusal) return fail(Errc::kConfig, refusal->detail);
  return {};
}

}  // namespace

std::span<const RuleSettingField> rule_setting_fields() { return kFields; }

Result<void> parse_rule_setting(std::string_view line, RuleConfig& config) {
  RuleConfig next = config;
  if (auto r = apply_setting(line, next)) return as_result(r);
  if (auto r = check_consistent(next)) return as_result(r);
  config = next;
  return {};
}

std::optional<RuleSettingRefusal> apply_rule_settings(std::string_view settings,
                                                      RuleConfig& config) {
  RuleConfig next = config;
  std::size_t at = 0;
  bool any = false;
  while (at < settings.size()) {
    if (settings[at] == ' ' || settings[at] == '\t') {
      ++at;
      continue;
    }
    auto end = settings.find_first_of(" \t", at);
    if (end == std::string_view::npos) end = settings.size();
    if (auto r = apply_setting(settings.substr(at, end - at), next)) return r;
    any = true;
    at = end;
  }
  if (!any) return refused("empty", "", "", "no rule settings given");
  if (auto r = check_consistent(next)) return r;
  config = next;
  return std::nullopt;
}

Result<void> parse_rule_settings(std::string_view settings, RuleConfig& config) {
  return as_result(apply_rule_settings(settings, config));
}

}  // namespace kotona::server::alerts
