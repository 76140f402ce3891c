#include "server/alerts/rules.h"

#include <doctest/doctest.h>

using namespace kotona;
using namespace kotona::server::alerts;

namespace {
Reading bp(double systolic, double diastolic) {
  Reading r;
  r.uid = ReadingUid{"gw-1/BP1/r1/bp"};
  r.measurement = BloodPressure{systolic, diastolic, std::nullopt, 70.0};
  return r;
}
const PatientId kPatient{"patient-1"};
}  // namespace

TEST_CASE("evaluate_rules: bp 179/109 -> no alert") {
  CHECK(evaluate_rules(bp(179, 109), kPatient).empty());
}

TEST_CASE("evaluate_rules: systolic 180 -> one high bp.crisis alert naming values") {
  auto alerts = evaluate_rules(bp(180, 90), kPatient);
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].rule_id == "bp.crisis");
  CHECK(alerts[0].priority == Priority::kHigh);
  CHECK(alerts[0].message.find("180/90") != std::string::npos);
  CHECK(alerts[0].message.find(">= 180") != std::string::npos);
  CHECK(alerts[0].threshold.size() == 2);
}

TEST_CASE("evaluate_rules: diastolic 110 -> one high bp.crisis alert") {
  auto alerts = evaluate_rules(bp(150, 110), kPatient);
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].priority == Priority::kHigh);
}

TEST_CASE("evaluate_rules: both limits exceeded -> still exactly one alert") {
  CHECK(evaluate_rules(bp(200, 120), kPatient).size() == 1);
}

TEST_CASE("evaluate_rules: control_result reading -> no alert") {
  auto r = bp(220, 130);
  r.quality.control_result = true;
  CHECK(evaluate_rules(r, kPatient).empty());
}

TEST_CASE("evaluate_rules: non-bp reading -> no alert") {
  Reading r;
  r.measurement = Weight{250};
  CHECK(evaluate_rules(r, kPatient).empty());
}

TEST_CASE("to_string: priorities -> lower-case names") {
  CHECK(to_string(Priority::kHigh) == "high");
  CHECK(to_string(Priority::kMedium) == "medium");
  CHECK(to_string(Priority::kLow) == "low");
}

namespace {
Reading with(Measurement m) {
  Reading r;
  r.uid = ReadingUid{"gw-1/D1/r1/x"};
  r.measurement = std::move(m);
  return r;
}
std::vector<std::string> rules_of(const std::vector<AlertDraft>& alerts) {
  std::vector<std::string> ids;
  for (const auto& a : alerts) ids.push_back(a.rule_id);
  return ids;
}
using Ids = std::vector<std::string>;
}  // namespace

TEST_CASE("bp.hypotension: systolic 89 fires high, 90 does not") {
  auto alerts = evaluate_rules(bp(89, 60), kPatient);
  REQUIRE(rules_of(alerts) == Ids{"bp.hypotension"});
  CHECK(alerts[0].priority == Priority::kHigh);
  CHECK(alerts[0].message.find("89/60") != std::string::npos);
  CHECK(alerts[0].message.find("< 90") != std::string::npos);
  CHECK(evaluate_rules(bp(90, 60), kPatient).empty());
}

TEST_CASE("inr: default target 2.0-3.0, far outside < 1.5 or >= 5.0") {
  CHECK(evaluate_rules(with(Inr{2.0, {}, {}}), kPatient).empty());
  CHECK(evaluate_rules(with(Inr{3.0, {}, {}}), kPatient).empty());
  auto low = evaluate_rules(with(Inr{1.9, {}, {}}), kPatient);
  REQUIRE(rules_of(low) == Ids{"inr.out_of_range"});
  CHECK(low[0].priority == Priority::kMedium);
  CHECK(low[0].message.find("1.9") != std::string::npos);
  CHECK(low[0].message.find("2-3") != std::string::npos);
  CHECK(rules_of(evaluate_rules(with(Inr{3.1, {}, {}}), kPatient)) == Ids{"inr.out_of_range"});
  auto high = evaluate_rules(with(Inr{5.0, {}, {}}), kPatient);
  REQUIRE(rules_of(high) == Ids{"inr.far_out_of_range"});
  CHECK(high[0].priority == Priority::kHigh);
  CHECK(rules_of(evaluate_rules(with(Inr{1.4, {}, {}}), kPatient)) == Ids{"inr.far_out_of_range"});
}

TEST_CASE("inr: per-patient target 2.5-3.5 (mechanical mitral valve)") {
  RuleConfig config;
  REQUIRE(parse_rule_setting("inr_target_high = 3.5", config));
  REQUIRE(parse_rule_setting("inr_target_low=2.5", config));
  CHECK(evaluate_rules(with(Inr{3.4, {}, {}}), kPatient, config).empty());
  auto alerts = evaluate_rules(with(Inr{2.2, {}, {}}), kPatient, config);
  REQUIRE(rules_of(alerts) == Ids{"inr.out_of_range"});
  CHECK(alerts[0].threshold == std::vector<std::pair<std::string, double>>{
                                   {"inr_target_low", 2.5}, {"inr_target_high", 3.5}});
  // The default config still alerts at 3.4.
  CHECK(rules_of(evaluate_rules(with(Inr{3.4, {}, {}}), kPatient)) == Ids{"inr.out_of_range"});
}

TEST_CASE("glucose: ADA level 1 < 3.9, level 2 < 3.0, hyper >= 13.9 mmol/L") {
  auto g = [](double v) { return with(Glucose{v, MealMarker::kUnknown}); };
  CHECK(evaluate_rules(g(3.9), kPatient).empty());
  CHECK(evaluate_rules(g(13.8), kPatient).empty());
  auto l1 = evaluate_rules(g(3.8), kPatient);
  REQUIRE(rules_of(l1) == Ids{"glucose.hypo_l1"});
  CHECK(l1[0].priority == Priority::kMedium);
  CHECK(l1[0].message.find("3.8 mmol/L") != std::string::npos);
  auto l2 = evaluate_rules(g(2.9), kPatient);
  REQUIRE(rules_of(l2) == Ids{"glucose.hypo_l2"});
  CHECK(l2[0].priority == Priority::kHigh);
  CHECK(l2[0].message.find("< 3") != std::string::npos);
  CHECK(rules_of(evaluate_rules(g(13.9), kPatient)) == Ids{"glucose.hyper"});
}

TEST_CASE("spo2: < 92 % fires high, per-patient 88 % for CO2 retainers") {
  auto s = [](double v) { return with(Spo2{v, std::nullopt}); };
  CHECK(evaluate_rules(s(92), kPatient).empty());
  auto low = evaluate_rules(s(91), kPatient);
  REQUIRE(rules_of(low) == Ids{"spo2.low"});
  CHECK(low[0].priority == Priority::kHigh);
  RuleConfig copd;
  REQUIRE(parse_rule_setting("spo2_low_percent=88", copd));
  CHECK(evaluate_rules(s(89), kPatient, copd).empty());
  CHECK(rules_of(evaluate_rules(s(87), kPatient, copd)) == Ids{"spo2.low"});
}

TEST_CASE("implant: RRT/ERI, EOS, lead impedance, shock, AF burden") {
  CardiacImplantSummary ok;
  ok.battery_status = BatteryStatus::kOk;
  ok.right_ventricle.lead_impedance_ohm = 500;
  ok.shocks_delivered = 0;
  ok.at_af_burden_percent = 5.9;
  CHECK(evaluate_rules(with(ok), kPatient).empty());

  CardiacImplantSummary bad = ok;
  bad.battery_status = BatteryStatus::kRrtEri;
  bad.right_atrium.lead_impedance_ohm = 150;
  bad.right_ventricle.lead_impedance_ohm = 2500;
  bad.shocks_delivered = 2;
  bad.at_af_burden_percent = 6;
  auto alerts = evaluate_rules(with(bad), kPatient);
  REQUIRE(rules_of(alerts) == Ids{"implant.battery_rrt_eri", "implant.lead_impedance",
                                  "implant.shock_delivered", "implant.af_burden"});
  CHECK(alerts[0].priority == Priority::kMedium);
  CHECK(alerts[1].priority == Priority::kHigh);
  CHECK(alerts[1].message.find("RA 150 ohm") != std::string::npos);
  CHECK(alerts[1].message.find("RV 2500 ohm") != std::string::npos);
  CHECK(alerts[2].message.find("2 shock") != std::string::npos);
  CHECK(alerts[3].priority == Priority::kMedium);

  CardiacImplantSummary eos;
  eos.battery_status = BatteryStatus::kEos;
  auto e = evaluate_rules(with(eos), kPatient);
  REQUIRE(rules_of(e) == Ids{"implant.battery_rrt_eri"});
  CHECK(e[0].priority == Priority::kHigh);
}

TEST_CASE(
    "implant: relay range indicators -> lead impedance beyond the measuring range alerts with "
    "its limit, whatever the limit, AF burden '> L' alerts as L would") {
  CardiacImplantSummary s;
  s.battery_status = BatteryStatus::kOk;
  s.right_ventricle.lead_impedance_ohm = 1500;  // a relay whose range ends inside the normal
  s.right_ventricle.lead_impedance_comparator = Comparator::kAboveRange;
  s.at_af_burden_percent = 6;
  s.at_af_burden_comparator = Comparator::kAboveRange;
  auto alerts = evaluate_rules(with(s), kPatient);
  REQUIRE(rules_of(alerts) == Ids{"implant.lead_impedance", "implant.af_burden"});
  CHECK(alerts[0].priority == Priority::kHigh);
  CHECK_MESSAGE(alerts[0].message.find("RV > 1500 ohm") != std::string::npos, alerts[0].message);
  CHECK_MESSAGE(alerts[1].message.find("> 6 %") != std::string::npos, alerts[1].message);

  s.right_ventricle.lead_impedance_comparator = Comparator::kNone;  // exact 1500: in range
  s.at_af_burden_comparator = Comparator::kBelowRange;              // "< 6 %": not a crossing
  CHECK(evaluate_rules(with(s), kPatient).empty());
}

TEST_CASE("every rule skips control-solution readings") {
  auto r = with(Glucose{1.0, MealMarker::kUnknown});
  r.quality.control_result = true;
  CHECK(evaluate_rules(r, kPatient).empty());
}

TEST_CASE("parse_rule_setting: bad lines are clear config errors and change nothing") {
  RuleConfig config;
  const RuleConfig before = config;
  for (std::string_view line :
       {"nonsense", "no_such_key=1", "spo2_low_percent=abc",
        "spo2_low_percent=", "spo2_low_percent=92x", "spo2_low_percent=-1", "spo2_low_percent=inf",
        "inr_target_low=3.5", "glucose_hypo_l2_mmol_l=4.5", "lead_impedance_low_ohm=3000"}) {
    CAPTURE(line);
    auto r = parse_rule_setting(line, config);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::kConfig);
    CHECK(config == before);
  }
}

TEST_CASE("parse_rule_settings: a range moved in one line, bad -> error, config unchanged") {
  RuleConfig config;
  // One at a time, raising the range to 3.2-4.0 fails at the first step (3.2 > high 3.0).
  CHECK_FALSE(parse_rule_setting("inr_target_low=3.2", config));
  REQUIRE(parse_rule_settings("  inr_target_low=3.2\tinr_target_high=4.0 ", config));
  CHECK(config.inr_target_low == 3.2);
  CHECK(config.inr_target_high == 4.0);
  const RuleConfig before = config;
  for (std::string_view line : {"", "   ", "spo2_low_percent=88 bogus=1", "inr_target_low=4.5"}) {
    CAPTURE(line);
    auto r = parse_rule_settings(line, config);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::kConfig);
    CHECK(config == before);
  }
}

TEST_CASE(
    "apply_rule_settings: each refusal by code with the key and value it names, the config "
    "parser's text") {
  struct Case {
    std::string_view line, code, key, value;
  };
  for (const auto& c : {Case{"spo2_low_percent=abc", "number", "spo2_low_percent", "abc"},
                        Case{"spo2_low_percent=-1", "number", "spo2_low_percent", "-1"},
                        Case{"bogus=1", "unknown", "bogus", "1"},
                        Case{"spo2_low_percent", "format", "spo2_low_percent", ""},
                        Case{" ", "empty", "", ""}, Case{"inr_target_low=3.5", "inr", "", ""},
                        Case{"glucose_hypo_l1_mmol_l=14", "glucose", "", ""},
                        Case{"bp_hypotension_systolic_mmhg=180", "bp", "", ""},
                        Case{"lead_impedance_low_ohm=2000", "lead", "", ""}}) {
    CAPTURE(c.line);
    RuleConfig config;
    auto refused = apply_rule_settings(c.line, config);
    REQUIRE(refused.has_value());
    CHECK(refused->code == c.code);
    CHECK(refused->key == c.key);
    CHECK(refused->value == c.value);
    CHECK(config == RuleConfig{});
    RuleConfig again;
    auto r = parse_rule_settings(c.line, again);
    REQUIRE_FALSE(r);
    CHECK(r.error().detail == refused->detail);
  }
  RuleConfig config;
  CHECK_FALSE(apply_rule_settings("spo2_low_percent=88", config).has_value());
  CHECK(config.spo2_low_percent == 88);
  // Every RuleConfig field is settable, once.
  CHECK(rule_setting_fields().size() == 16);
}

TEST_CASE("weight.gain: > 2 kg over the lowest weight of the last 3 days (ESC HF)") {
  using namespace std::chrono_literals;
  const HubTime t{std::chrono::milliseconds{1'790'000'000'000}};
  RuleConfig c;
  std::vector<WeightPoint> earlier{{t - 80h, 70.0}, {t - 48h, 80.0}, {t - 24h, 80.5}};
  // 80.0 two days ago is the lowest within 3 days (70.0 is older than 72 h).
  CHECK(evaluate_weight_trend({t, 82.0}, earlier, c).empty());  // +2.0: not more than 2
  auto out = evaluate_weight_trend({t, 82.1}, earlier, c);
  REQUIRE(out.size() == 1);
  CHECK(out[0].rule_id == "weight.gain");
  CHECK(out[0].priority == Priority::kMedium);
  CHECK(out[0].message.find("up 2.1 kg from 80 kg") != std::string::npos);
  // Later weights (a backlog arriving out of order) do not count as "earlier".
  CHECK(evaluate_weight_trend({t - 47h, 83.0}, {{t - 1h, 70.0}}, c).empty());
  // No history -> no trend; rule off with weight_gain_days=0.
  CHECK(evaluate_weight_trend({t, 99.0}, {}, c).empty());
  REQUIRE(parse_rule_settings("weight_gain_days=0", c));
  CHECK(evaluate_weight_trend({t, 99.0}, earlier, c).empty());
}

TEST_CASE("inr > 8.0 (above the meter's range) -> high inr.far_out_of_range showing '> 8'") {
  auto alerts = evaluate_rules(with(Inr{8.0, {}, {}, Comparator::kAboveRange}), kPatient);
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].rule_id == "inr.far_out_of_range");
  CHECK(alerts[0].priority == Priority::kHigh);
  CHECK(alerts[0].message.find("INR > 8") != std::string::npos);
  // A meter whose range ends at 4.0 still means "beyond 4.0": far out of range.
  auto low_top = evaluate_rules(with(Inr{4.0, {}, {}, Comparator::kAboveRange}), kPatient);
  REQUIRE(low_top.size() == 1);
  CHECK(low_top[0].rule_id == "inr.far_out_of_range");
}

TEST_CASE("inr < 0.8 / < 1.8 (below the meter's range) -> far / out of range") {
  auto far = evaluate_rules(with(Inr{0.8, {}, {}, Comparator::kBelowRange}), kPatient);
  REQUIRE(far.size() == 1);
  CHECK(far[0].rule_id == "inr.far_out_of_range");
  CHECK(far[0].message.find("INR < 0.8") != std::string::npos);
  auto near = evaluate_rules(with(Inr{1.8, {}, {}, Comparator::kBelowRange}), kPatient);
  REQUIRE(near.size() == 1);
  CHECK(near[0].rule_id == "inr.out_of_range");
}

TEST_CASE("glucose HI -> glucose.hyper at HIGH priority, LO -> glucose.hypo_l2 (high)") {
  auto hi =
      evaluate_rules(with(Glucose{33.3, MealMarker::kUnknown, Comparator::kAboveRange}), kPatient);
  REQUIRE(hi.size() == 1);
  CHECK(hi[0].rule_id == "glucose.hyper");
  CHECK(hi[0].priority == Priority::kHigh);  // an exact 33.3 is medium (next check)
  CHECK(hi[0].message.find("HI: > 33.3 mmol/L") != std::string::npos);
  auto exact = evaluate_rules(with(Glucose{33.3, MealMarker::kUnknown}), kPatient);
  REQUIRE(exact.size() == 1);
  CHECK(exact[0].priority == Priority::kMedium);
  auto lo =
      evaluate_rules(with(Glucose{1.1, MealMarker::kUnknown, Comparator::kBelowRange}), kPatient);
  REQUIRE(lo.size() == 1);
  CHECK(lo[0].rule_id == "glucose.hypo_l2");
  CHECK(lo[0].priority == Priority::kHigh);
  CHECK(lo[0].message.find("LO: < 1.1") != std::string::npos);
}

TEST_CASE("implausible reading (systolic 420) -> no clinical alert at all") {
  auto r = bp(420, 100);
  REQUIRE_FALSE(evaluate_rules(r, kPatient).empty());  // unflagged it would be a crisis
  r.quality.implausible = true;
  CHECK(evaluate_rules(r, kPatient).empty());
}
