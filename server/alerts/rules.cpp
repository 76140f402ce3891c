#include "server/alerts/rules.h"

#include <cmath>
#include <sstream>

#include "core/kinds.h"

namespace kotona::server::alerts {

namespace {

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

AlertDraft draft(std::string_view rule, Priority priority, std::string message,
                 std::vector<std::pair<std::string, double>> threshold, AlertValues values) {
  return AlertDraft{std::string(rule), priority, std::move(message), std::move(threshold),
                    std::move(values)};
}

// "<" / ">" of a value beyond the meter's range, "" for an exact one (the page's templates).
AlertValue cmp(Comparator comparator) {
  return {"cmp", std::string(comparator == Comparator::kNone ? "" : comparator_symbol(comparator))};
}

void evaluate_bp(const BloodPressure& bp, const RuleConfig& c, std::vector<AlertDraft>& out) {
  bool systolic_high = bp.systolic_mmhg >= c.bp_crisis_systolic_mmhg;
  bool diastolic_high = bp.diastolic_mmhg >= c.bp_crisis_diastolic_mmhg;
  // Text only for an alert: most readings raise none (issue 15: formatting every reading's
  // values through an ostringstream was a measurable part of the ingest's CPU).
  auto value = [&] { return number(bp.systolic_mmhg) + "/" + number(bp.diastolic_mmhg) + " mmHg"; };
  if (systolic_high || diastolic_high) {
    out.push_back(draft(kBpCrisisRule, Priority::kHigh,
                        "Hypertensive crisis: blood pressure " + value() +
                            " (threshold: systolic >= " + number(c.bp_crisis_systolic_mmhg) +
                            " or diastolic >= " + number(c.bp_crisis_diastolic_mmhg) + " mmHg)",
                        {{"systolic_mmhg", c.bp_crisis_systolic_mmhg},
                         {"diastolic_mmhg", c.bp_crisis_diastolic_mmhg}},
                        {{"systolic", bp.systolic_mmhg},
                         {"diastolic", bp.diastolic_mmhg},
                         {"limit_systolic", c.bp_crisis_systolic_mmhg},
                         {"limit_diastolic", c.bp_crisis_diastolic_mmhg}}));
  }
  if (bp.systolic_mmhg < c.bp_hypotension_systolic_mmhg) {
    out.push_back(draft(kBpHypotensionRule, Priority::kHigh,
                        "Hypotension: blood pressure " + value() + " (threshold: systolic < " +
                            number(c.bp_hypotension_systolic_mmhg) + " mmHg)",
                        {{"systolic_mmhg", c.bp_hypotension_systolic_mmhg}},
                        {{"systolic", bp.systolic_mmhg},
                         {"diastolic", bp.diastolic_mmhg},
                         {"limit_systolic", c.bp_hypotension_systolic_mmhg}}));
  }
}

// "> 8.0" / "< 0.8": what the meter showed, limit included (invariant 14).
std::string shown(Comparator comparator, double value) {
  if (comparator == Comparator::kNone) return number(value);
  return std::string(comparator_symbol(comparator)) + " " + number(value);
}

// The meter could not measure the INR because it is beyond its range. Above: the true INR
// exceeds the meter's top (8.0 on CoaguChek-class meters), far above any target, so it is
// always far out of range. Below: the true INR is under the limit, far out of range when
// that limit is at or under inr_far_low, else at least out of target range.
void evaluate_inr_beyond_range(const Inr& inr, const RuleConfig& c, const std::string& range,
                               std::vector<AlertDraft>& out) {
  const std::string value = shown(inr.comparator, inr.ratio);
  const bool far = inr.comparator == Comparator::kAboveRange || inr.ratio <= c.inr_far_low;
  AlertValues values{{"form", std::string("beyond")},
                     cmp(inr.comparator),
                     {"inr", inr.ratio},
                     {"target_low", c.inr_target_low},
                     {"target_high", c.inr_target_high}};
  if (far) {
    out.push_back(draft(kInrFarOutOfRangeRule, Priority::kHigh,
                        "INR " + value + " (beyond the meter's measuring range), far outside " +
                            "target range " + range,
                        {{"inr_far_low", c.inr_far_low}, {"inr_far_high", c.inr_far_high}},
                        std::move(values)));
  } else {
    out.push_back(draft(
        kInrOutOfRangeRule, Priority::kMedium,
        "INR " + value + " (below the meter's measuring range), outside " + "target range " + range,
        {{"inr_target_low", c.inr_target_low}, {"inr_target_high", c.inr_target_high}},
        std::move(values)));
  }
}

void evaluate_inr(const Inr& inr, const RuleConfig& c, std::vector<AlertDraft>& out) {
  auto range = [&] { return number(c.inr_target_low) + "-" + number(c.inr_target_high); };
  if (inr.comparator != Comparator::kNone) {
    evaluate_inr_beyond_range(inr, c, range(), out);
    return;
  }
  AlertValues values{{"inr", inr.ratio},
                     {"target_low", c.inr_target_low},
                     {"target_high", c.inr_target_high},
                     {"far_low", c.inr_far_low},
                     {"far_high", c.inr_far_high}};
  if (inr.ratio < c.inr_far_low || inr.ratio >= c.inr_far_high) {
    out.push_back(draft(
        kInrFarOutOfRangeRule, Priority::kHigh,
        "INR " + number(inr.ratio) + " far outside target range " + range() + " (threshold: < " +
            number(c.inr_far_low) + " or >= " + number(c.inr_far_high) + ")",
        {{"inr_far_low", c.inr_far_low}, {"inr_far_high", c.inr_far_high}}, std::move(values)));
  } else if (inr.ratio < c.inr_target_low || inr.ratio > c.inr_target_high) {
    out.push_back(
        draft(kInrOutOfRangeRule, Priority::kMedium,
              "INR " + number(inr.ratio) + " outside target range " + range(),
              {{"inr_target_low", c.inr_target_low}, {"inr_target_high", c.inr_target_high}},
              std::move(values)));
  }
}

// The meter showed HI or LO: the true value is beyond what it can measure (home meters:
// above ~33.3 or below ~1.1 mmol/L), i.e. beyond every clinical threshold. HI is a
// hyperglycaemic emergency candidate (DKA / HHS), so glucose.hyper at high priority, not the
// medium of an ordinary high value; LO is level 2 hypoglycaemia.
void evaluate_glucose_beyond_range(const Glucose& g, const RuleConfig& c,
                                   std::vector<AlertDraft>& out) {
  const std::string value = shown(g.comparator, g.mmol_per_l) + " mmol/L";
  auto values = [&](double limit) {
    return AlertValues{{"form", std::string("beyond")},
                       cmp(g.comparator),
                       {"glucose", g.mmol_per_l},
                       {"limit", limit}};
  };
  if (g.comparator == Comparator::kAboveRange) {
    out.push_back(draft(kGlucoseHyperRule, Priority::kHigh,
                        "Glucose HI: " + value + ", above the meter's measuring range " +
                            "(threshold: >= " + number(c.glucose_hyper_mmol_l) + " mmol/L)",
                        {{"mmol_per_l", c.glucose_hyper_mmol_l}}, values(c.glucose_hyper_mmol_l)));
  } else {
    out.push_back(
        draft(kGlucoseHypoL2Rule, Priority::kHigh,
              "Level 2 hypoglycaemia, glucose LO: " + value + ", below the meter's " +
                  "measuring range (threshold: < " + number(c.glucose_hypo_l2_mmol_l) + " mmol/L)",
              {{"mmol_per_l", c.glucose_hypo_l2_mmol_l}}, values(c.glucose_hypo_l2_mmol_l)));
  }
}

void evaluate_glucose(const Glucose& g, const RuleConfig& c, std::vector<AlertDraft>& out) {
  if (g.comparator != Comparator::kNone) {
    evaluate_glucose_beyond_range(g, c, out);
    return;
  }
  auto value = [&] { return number(g.mmol_per_l) + " mmol/L"; };
  auto values = [&](double limit) {
    return AlertValues{{"glucose", g.mmol_per_l}, {"limit", limit}};
  };
  if (g.mmol_per_l < c.glucose_hypo_l2_mmol_l) {
    out.push_back(draft(kGlucoseHypoL2Rule, Priority::kHigh,
                        "Level 2 hypoglycaemia: glucose " + value() + " (threshold: < " +
                            number(c.glucose_hypo_l2_mmol_l) + " mmol/L)",
                        {{"mmol_per_l", c.glucose_hypo_l2_mmol_l}},
                        values(c.glucose_hypo_l2_mmol_l)));
  } else if (g.mmol_per_l < c.glucose_hypo_l1_mmol_l) {
    out.push_back(draft(kGlucoseHypoL1Rule, Priority::kMedium,
                        "Level 1 hypoglycaemia: glucose " + value() + " (threshold: < " +
                            number(c.glucose_hypo_l1_mmol_l) + " mmol/L)",
                        {{"mmol_per_l", c.glucose_hypo_l1_mmol_l}},
                        values(c.glucose_hypo_l1_mmol_l)));
  } else if (g.mmol_per_l >= c.glucose_hyper_mmol_l) {
    out.push_back(draft(kGlucoseHyperRule, Priority::kMedium,
                        "Hyperglycaemia: glucose " + value() +
                            " (threshold: >= " + number(c.glucose_hyper_mmol_l) + " mmol/L)",
                        {{"mmol_per_l", c.glucose_hyper_mmol_l}}, values(c.glucose_hyper_mmol_l)));
  }
}

void evaluate_spo2(const Spo2& s, const RuleConfig& c, std::vector<AlertDraft>& out) {
  if (s.percent >= c.spo2_low_percent) return;
  out.push_back(draft(
      kSpo2LowRule, Priority::kHigh,
      "Low SpO2: " + number(s.percent) + " % (threshold: < " + number(c.spo2_low_percent) + " %)",
      {{"percent", c.spo2_low_percent}}, {{"spo2", s.percent}, {"limit", c.spo2_low_percent}}));
}

void evaluate_implant(const CardiacImplantSummary& s, const RuleConfig& c,
                      std::vector<AlertDraft>& out) {
  if (s.battery_status == BatteryStatus::kRrtEri || s.battery_status == BatteryStatus::kEos) {
    bool eos = s.battery_status == BatteryStatus::kEos;
    out.push_back(draft(kImplantBatteryRule, eos ? Priority::kHigh : Priority::kMedium,
                        std::string("Implant battery at ") +
                            (eos ? "end of service (EOS)" : "RRT/ERI") +
                            " (threshold: battery status RRT/ERI or EOS)",
                        {}, {{"form", std::string(eos ? "eos" : "rrt")}}));
  }
  std::string leads, leads_shown;  // the second in Ω: the same in every language
  auto check_lead = [&](const char* name, const ImplantChamber& ch) {
    if (!ch.lead_impedance_ohm) return;
    double ohm = *ch.lead_impedance_ohm;
    // Beyond the relay's measuring range (invariant 14) is beyond any lead's normal range: a
    // fracture (above) or an insulation breach (below), whatever limit the relay gave.
    const bool beyond = ch.lead_impedance_comparator != Comparator::kNone;
    if (beyond || ohm < c.lead_impedance_low_ohm || ohm > c.lead_impedance_high_ohm) {
      if (!leads.empty()) leads += ", ", leads_shown += ", ";
      leads += std::string(name) + " " + shown(ch.lead_impedance_comparator, ohm) + " ohm";
      leads_shown += std::string(name) + " " + shown(ch.lead_impedance_comparator, ohm) + " Ω";
    }
  };
  check_lead("RA", s.right_atrium);
  check_lead("RV", s.right_ventricle);
  check_lead("LV", s.left_ventricle);
  if (!leads.empty()) {
    out.push_back(draft(kImplantLeadImpedanceRule, Priority::kHigh,
                        "Lead impedance out of range: " + leads +
                            " (threshold: " + number(c.lead_impedance_low_ohm) + "-" +
                            number(c.lead_impedance_high_ohm) + " ohm)",
                        {{"lead_impedance_low_ohm", c.lead_impedance_low_ohm},
                         {"lead_impedance_high_ohm", c.lead_impedance_high_ohm}},
                        {{"leads", leads_shown},
                         {"limit_low", c.lead_impedance_low_ohm},
                         {"limit_high", c.lead_impedance_high_ohm}}));
  }
  if (s.shocks_delivered && *s.shocks_delivered > 0) {
    out.push_back(draft(
        kImplantShockRule, Priority::kHigh,
        "Implant delivered " + std::to_string(*s.shocks_delivered) + " shock(s) (threshold: > 0)",
        {{"shocks_delivered", 0}}, {{"shocks", static_cast<double>(*s.shocks_delivered)}}));
  }
  // "> L" alerts from the limit L as an exact L would (the true burden is higher still).
  if (s.at_af_burden_percent && *s.at_af_burden_percent >= c.af_burden_percent &&
      s.at_af_burden_comparator != Comparator::kBelowRange) {
    out.push_back(draft(kImplantAfBurdenRule, Priority::kMedium,
                        "AT/AF burden " +
                            shown(s.at_af_burden_comparator, *s.at_af_burden_percent) +
                            " % (threshold: >= " + number(c.af_burden_percent) + " %)",
                        {{"af_burden_percent", c.af_burden_percent}},
                        {cmp(s.at_af_burden_comparator),
                         {"burden", *s.at_af_burden_percent},
                         {"limit", c.af_burden_percent}}));
  }
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

std::optional<Priority> parse_priority(std::string_view text) {
  for (auto p : {Priority::kHigh, Priority::kMedium, Priority::kLow}) {
    if (to_string(p) == text) return p;
  }
  return std::nullopt;
}

std::vector<AlertDraft> evaluate_rules(const Reading& reading, const PatientId& /*patient*/,
                                       const RuleConfig& config) {
  std::vector<AlertDraft> out;
  // A control-solution run says nothing about the patient. An implausible value (outside
  // physiological limits: a failing device or tampering) is no clinical finding either; it
  // raises the technical alert reading.implausible instead (invariant 14).
  if (reading.quality.control_result || reading.quality.implausible ||
      !kind_of(reading.measurement).clinical_rules)
    return out;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, BloodPressure>) {
          evaluate_bp(m, config, out);
        } else if constexpr (std::is_same_v<T, Inr>) {
          evaluate_inr(m, config, out);
        } else if constexpr (std::is_same_v<T, Glucose>) {
          evaluate_glucose(m, config, out);
        } else if constexpr (std::is_same_v<T, Spo2>) {
          evaluate_spo2(m, config, out);
        } else if constexpr (std::is_same_v<T, CardiacImplantSummary>) {
          evaluate_implant(m, config, out);
        }
      },
      reading.measurement);
  return out;
}

std::vector<AlertDraft> evaluate_weight_trend(const WeightPoint& current,
                                              const std::vector<WeightPoint>& earlier,
                                              const RuleConfig& config) {
  std::vector<AlertDraft> out;
  if (config.weight_gain_days <= 0) return out;
  auto window = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double, std::ratio<86400>>(config.weight_gain_days));
  const WeightPoint* lowest = nullptr;
  for (const auto& p : earlier) {
    if (p.at >= current.at || p.at < current.at - window) continue;
    if (lowest == nullptr || p.kg < lowest->kg) lowest = &p;
  }
  if (lowest == nullptr || current.kg - lowest->kg <= config.weight_gain_kg) return out;
  out.push_back(draft(
      kWeightGainRule, Priority::kMedium,
      "Weight gain: " + number(current.kg) + " kg, up " +
          number(std::round((current.kg - lowest->kg) * 10) / 10) + " kg from " +
          number(lowest->kg) + " kg within " + number(config.weight_gain_days) +
          " days (threshold: more than " + number(config.weight_gain_kg) + " kg in " +
          number(config.weight_gain_days) + " days)",
      {{"weight_gain_kg", config.weight_gain_kg}, {"weight_gain_days", config.weight_gain_days}},
      {{"kg", current.kg},
       {"gain", std::round((current.kg - lowest->kg) * 10) / 10},
       {"from", lowest->kg},
       {"days", config.weight_gain_days},
       {"limit_kg", config.weight_gain_kg}}));
  return out;
}

std::vector<AlertDraft> evaluate_rules(const Reading& reading, const PatientId& patient) {
  static const RuleConfig kDefaults;
  return evaluate_rules(reading, patient, kDefaults);
}

}  // namespace kotona::server::alerts
