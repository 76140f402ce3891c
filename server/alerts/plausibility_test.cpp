#include "server/alerts/plausibility.h"

#include <doctest/doctest.h>

using namespace kotona;
using namespace kotona::server::alerts;

TEST_CASE("find_implausible_value: values at the limits -> plausible") {
  CHECK_FALSE(find_implausible_value(BloodPressure{300, 200, std::nullopt, 300.0}));
  CHECK_FALSE(find_implausible_value(BloodPressure{40, 20, std::nullopt, 20.0}));
  CHECK_FALSE(find_implausible_value(Inr{15, {}, {}}));
  CHECK_FALSE(find_implausible_value(Inr{0.5, {}, {}}));
  CHECK_FALSE(find_implausible_value(Glucose{60, MealMarker::kUnknown}));
  CHECK_FALSE(find_implausible_value(Glucose{0.5, MealMarker::kUnknown}));
  CHECK_FALSE(find_implausible_value(Spo2{50, 300.0}));
  CHECK_FALSE(find_implausible_value(Spo2{100, std::nullopt}));
  CHECK_FALSE(find_implausible_value(Weight{1}));
  CHECK_FALSE(find_implausible_value(Weight{400}));
  CHECK_FALSE(find_implausible_value(Temperature{25}));
  CHECK_FALSE(find_implausible_value(Temperature{45}));
  CHECK_FALSE(find_implausible_value(CardiacImplantSummary{}));
}

TEST_CASE("find_implausible_value: one value past a limit per kind -> named with its limits") {
  struct Case {
    Measurement m;
    const char* text;
  };
  const Case cases[] = {
      {BloodPressure{420, 80, std::nullopt, std::nullopt}, "systolic 420 mmHg outside 40..300"},
      {BloodPressure{39, 25, std::nullopt, std::nullopt}, "systolic 39 mmHg"},
      {BloodPressure{120, 201, std::nullopt, std::nullopt}, "diastolic 201 mmHg"},
      {BloodPressure{120, 80, std::nullopt, 301.0}, "pulse 301 /min"},
      {Inr{15.1, {}, {}}, "INR 15.1 outside 0.5..15"},
      {Inr{0.4, {}, {}}, "INR 0.4"},
      {Glucose{60.1, MealMarker::kUnknown}, "glucose 60.1 mmol/L outside 0.5..60"},
      {Glucose{0.4, MealMarker::kUnknown}, "glucose 0.4 mmol/L"},
      {Spo2{101, std::nullopt}, "SpO2 101 % outside 50..100"},
      {Spo2{49, std::nullopt}, "SpO2 49 %"},
      {Spo2{97, 19.0}, "pulse 19 /min"},
      {Weight{0.5}, "weight 0.5 kg outside 1..400"},
      {Weight{401}, "weight 401 kg"},
      {Temperature{24.9}, "temperature 24.9 °C outside 25..45"},
      {Temperature{45.1}, "temperature 45.1 °C"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto found = find_implausible_value(c.m);
    REQUIRE(found.has_value());
    CHECK(found->find(c.text) != std::string::npos);
  }
}

TEST_CASE("find_implausible_value: comparator judged by what it says, not implausible itself") {
  CHECK_FALSE(find_implausible_value(Inr{8.0, {}, {}, Comparator::kAboveRange}));
  CHECK_FALSE(find_implausible_value(Glucose{33.3, MealMarker::kUnknown, Comparator::kAboveRange}));
  CHECK_FALSE(find_implausible_value(Glucose{1.1, MealMarker::kUnknown, Comparator::kBelowRange}));
  // "> 0.2" says nothing impossible; "< 0.2" and "> 70" do.
  CHECK_FALSE(find_implausible_value(Glucose{0.2, MealMarker::kUnknown, Comparator::kAboveRange}));
  auto below = find_implausible_value(Glucose{0.2, MealMarker::kUnknown, Comparator::kBelowRange});
  REQUIRE(below.has_value());
  CHECK(below->find("glucose <0.2 mmol/L") != std::string::npos);
  CHECK(find_implausible_value(Inr{20, {}, {}, Comparator::kAboveRange}).has_value());
}
