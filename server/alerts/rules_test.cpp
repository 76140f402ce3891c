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
