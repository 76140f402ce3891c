// Per-patient rule thresholds from config lines ("key=value ..."): parsed, range-checked and
// checked for consistency as a whole before any of them takes effect.
#include <charconv>
#include <cmath>

#include "server/alerts/rules.h"

namespace kotona::server::alerts {

namespace {

struct Field {
  std::string_view key;
  double RuleConfig::*member;
};

constexpr Field kFields[] = {
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

Result<void> check_consistent(const RuleConfig& c) {
  if (!(c.inr_far_low <= c.inr_target_low && c.inr_target_low <= c.inr_target_high &&
        c.inr_target_high < c.inr_far_high)) {
    return fail(Errc::kConfig,
                "INR limits must satisfy far_low <= target_low <= "
                "target_high < far_high");
  }
  if (c.glucose_hypo_l2_mmol_l > c.glucose_hypo_l1_mmol_l ||
      c.glucose_hypo_l1_mmol_l >= c.glucose_hyper_mmol_l) {
    return fail(Errc::kConfig, "glucose limits must satisfy hypo_l2 <= hypo_l1 < hyper");
  }
  if (c.bp_hypotension_systolic_mmhg >= c.bp_crisis_systolic_mmhg) {
    return fail(Errc::kConfig, "bp_hypotension_systolic_mmhg must be below the crisis limit");
  }
  if (c.lead_impedance_low_ohm >= c.lead_impedance_high_ohm) {
    return fail(Errc::kConfig, "lead_impedance_low_ohm must be below lead_impedance_high_ohm");
  }
  return {};
}

// Sets one `key=value` without the consistency check.
Result<void> apply_setting(std::string_view line, RuleConfig& config) {
  auto eq = line.find('=');
  if (eq == std::string_view::npos) {
    return fail(Errc::kConfig, "rule setting needs key=value: " + std::string(line));
  }
  std::string_view key = trim(line.substr(0, eq));
  std::string_view text = trim(line.substr(eq + 1));
  for (const auto& field : kFields) {
    if (field.key != key) continue;
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty() ||
        !std::isfinite(value) || value < 0) {
      return fail(Errc::kConfig, "rule setting " + std::string(key) +
                                     ": not a non-negative number: " + std::string(text));
    }
    config.*field.member = value;
    return {};
  }
  return fail(Errc::kConfig, "unknown rule setting: " + std::string(key));
}

}  // namespace

Result<void> parse_rule_setting(std::string_view line, RuleConfig& config) {
  RuleConfig next = config;
  if (auto r = apply_setting(line, next); !r) return r;
  if (auto r = check_consistent(next); !r) return r;
  config = next;
  return {};
}

Result<void> parse_rule_settings(std::string_view settings, RuleConfig& config) {
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
    if (auto r = apply_setting(settings.substr(at, end - at), next); !r) return r;
    any = true;
    at = end;
  }
  if (!any) return fail(Errc::kConfig, "no rule settings given");
  if (auto r = check_consistent(next); !r) return r;
  config = next;
  return {};
}

}  // namespace kotona::server::alerts
