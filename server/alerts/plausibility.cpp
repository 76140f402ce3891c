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
bool implausible(const KindComponent& part, const ComponentValue& v) {
  const auto& range = *part.limits;
  const bool too_low = v.value < range.low && v.comparator != Comparator::kAboveRange;
  const bool too_high = v.value > range.high && v.comparator != Comparator::kBelowRange;
  return too_low || too_high;
}

struct Found {
  const KindComponent* part;
  ComponentValue value;
};

// The limits are the kind table's (core/kinds.cpp, with the reason for each).
std::optional<Found> find(const Measurement& m) {
  const KindRow& row = kind_of(m);
  const auto values = component_values(m);
  for (const auto& part : row.components) {
    if (!part.limits) continue;
    for (const auto& v : values) {
      if (v.key == part.key && implausible(part, v)) return Found{&part, v};
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> find_implausible_value(const Measurement& m) {
  auto f = find(m);
  if (!f) return std::nullopt;
  const auto& range = *f->part->limits;
  return std::string(f->part->label) + " " + std::string(comparator_symbol(f->value.comparator)) +
         number(f->value.value) + std::string(f->part->unit_text) + " outside " +
         number(range.low) + ".." + number(range.high);
}

std::optional<ImplausibleValue> find_implausible(const Measurement& m) {
  auto f = find(m);
  if (!f) return std::nullopt;
  const auto& range = *f->part->limits;
  const auto& c = f->value.comparator;
  return ImplausibleValue{std::string(f->part->key),
                          c == Comparator::kNone ? "" : std::string(comparator_symbol(c)),
                          f->value.value, range.low, range.high};
}

}  // namespace kotona::server::alerts
