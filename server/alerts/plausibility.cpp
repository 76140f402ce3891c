#include "server/alerts/plausibility.h"

#include <sstream>

#include "core/overloaded.h"

namespace kotona::server::alerts {

// The limits are the ones issue 13's clinical review set; each is wider than any value a
// living patient produces on a home device, so an extreme but real value is never flagged.
// Why each holds:
// - Blood pressure 40..300 / 20..200 mmHg: home oscillometric monitors state a cuff pressure
//   range ending at 299-300 mmHg (their instruction manuals' specifications), so a higher
//   value cannot come from the cuff; a systolic under 40 mmHg is circulatory collapse, not a
//   patient taking a home reading.
const PlausibleRange kSystolicMmhg{40, 300};
const PlausibleRange kDiastolicMmhg{20, 200};
// - Pulse 20..300 /min: above 300 exceeds even 1:1 conducted atrial flutter (atrial rate
//   about 300 /min); under 20 is agonal.
const PlausibleRange kPulsePerMin{20, 300};
// - INR 0.5..15: an INR is a ratio to normal plasma (normal about 0.8-1.2), so under 0.5 is
//   not a clotting time; home meters stop at 8.0 and report more as "> 8.0" (a comparator,
//   judged only by its limit), so an exact value above 15 is a device fault.
const PlausibleRange kInrRatio{0.5, 15};
// - Glucose 0.5..60 mmol/L: home meters stop at about 33.3 mmol/L and show HI beyond (a
//   comparator); an exact value above 60 or under 0.5 is a fault, not a patient.
const PlausibleRange kGlucoseMmolPerL{0.5, 60};
// - SpO2 50..100 %: a saturation cannot exceed 100 %; ISO 80601-2-61 specifies oximeter
//   accuracy only from 70 % up, and issue 13 allows down to 50 %.
const PlausibleRange kSpo2Percent{50, 100};
// - Weight 1..400 kg: beyond the capacity of home scales (typically 150-250 kg) and under any
//   patient's weight.
const PlausibleRange kWeightKg{1, 400};
// - Body temperature 25..45 °C: beyond 45 °C is not survivable and under 25 °C is deep
//   hypothermia no home reading is taken in; a clinical thermometer reading there is a fault.
const PlausibleRange kTemperatureCelsius{25, 45};

namespace {

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// nullopt when plausible. A comparator opens one side: "> v" only fails above, "< v" below.
std::optional<std::string> check(const char* name, double value, const char* unit,
                                 const PlausibleRange& range,
                                 Comparator comparator = Comparator::kNone) {
  const bool too_low = value < range.low && comparator != Comparator::kAboveRange;
  const bool too_high = value > range.high && comparator != Comparator::kBelowRange;
  if (!too_low && !too_high) return std::nullopt;
  return std::string(name) + " " + std::string(comparator_symbol(comparator)) + number(value) +
         unit + " outside " + number(range.low) + ".." + number(range.high);
}

std::optional<std::string> first_of(std::initializer_list<std::optional<std::string>> found) {
  for (const auto& f : found) {
    if (f) return f;
  }
  return std::nullopt;
}

std::optional<std::string> check_opt(const char* name, const std::optional<double>& value,
                                     const char* unit, const PlausibleRange& range) {
  return value ? check(name, *value, unit, range) : std::nullopt;
}

}  // namespace

std::optional<std::string> find_implausible_value(const Measurement& m) {
  return std::visit(
      Overloaded{
          [](const BloodPressure& bp) {
            return first_of({check("systolic", bp.systolic_mmhg, " mmHg", kSystolicMmhg),
                             check("diastolic", bp.diastolic_mmhg, " mmHg", kDiastolicMmhg),
                             check_opt("pulse", bp.pulse_per_min, " /min", kPulsePerMin)});
          },
          [](const Glucose& g) {
            return check("glucose", g.mmol_per_l, " mmol/L", kGlucoseMmolPerL, g.comparator);
          },
          [](const Inr& inr) { return check("INR", inr.ratio, "", kInrRatio, inr.comparator); },
          [](const CardiacImplantSummary&) { return std::optional<std::string>(); },
          [](const Weight& w) { return check("weight", w.kg, " kg", kWeightKg); },
          [](const Spo2& s) {
            return first_of({check("SpO2", s.percent, " %", kSpo2Percent),
                             check_opt("pulse", s.pulse_per_min, " /min", kPulsePerMin)});
          },
          [](const Temperature& t) {
            return check("temperature", t.celsius, " °C", kTemperatureCelsius);
          },
      },
      m);
}

}  // namespace kotona::server::alerts
