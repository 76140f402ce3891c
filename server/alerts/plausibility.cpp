#include "server/alerts/plausibility.h"

#include <sstream>

#include "core/kinds.h"

namespace kotona::server::alerts {
namespace {

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// nullopt when plausible. A comparator opens one side: "> v" only fails above, "< v" below.
std::optional<std::string> check(const KindComponent& part, const ComponentValue& v) {
  const auto& range = *part.limits;
  const bool too_low = v.value < range.low && v.comparator != Comparator::kAboveRange;
  const bool too_high = v.value > range.high && v.comparator != Comparator::kBelowRange;
  if (!too_low && !too_high) return std::nullopt;
  return std::string(part.label) + " " + std::string(comparator_symbol(v.comparator)) +
         number(v.value) + std::string(part.unit_text) + " outside " + number(range.low) + ".." +
         number(range.high);
}

}  // namespace

// The limits are the kind table's (core/kinds.cpp, with the reason for each).
std::optional<std::string> find_implausible_value(const Measurement& m) {
  const KindRow& row = kind_of(m);
  const auto values = component_values(m);
  for (const auto& part : row.components) {
    if (!part.limits) continue;
    for (const auto& v : values) {
      if (v.key != part.key) continue;
      if (auto found = check(part, v)) return found;
    }
  }
  return std::nullopt;
}

}  // namespace kotona::server::alerts
