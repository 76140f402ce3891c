#include "core/kinds.h"

#include <array>
#include <string>
#include <utility>

#include "core/log.h"
#include "core/overloaded.h"

namespace kotona {
namespace {

// Every alternative but the last (GenericMeasurement) is a typed kind with its row at its index
// (kind_rows.cpp).
constexpr std::size_t kTypedKinds = std::variant_size_v<Measurement> - 1;

template <std::size_t... I>
Measurement make_at(std::size_t index, std::index_sequence<I...>) {
  Measurement out;
  ((index == I ? (out.emplace<I>(), 0) : 0), ...);
  return out;
}

void add(std::vector<ComponentValue>& out, std::string_view key, std::optional<double> value,
         Comparator c = Comparator::kNone) {
  if (value) out.push_back({key, *value, c});
}

// The components by key for make_measurement: a required one missing, or one the row does not
// name, is an error recorded in `error`.
struct Lookup {
  std::span<const ComponentValue> values;
  std::string error;

  std::optional<ComponentValue> optional(std::string_view key) const {
    for (const auto& v : values) {
      if (v.key == key) return v;
    }
    return std::nullopt;
  }
  double required(std::string_view key, Comparator* comparator = nullptr) {
    auto v = optional(key);
    if (!v) {
      if (error.empty()) error = "no " + std::string(key);
      return 0;
    }
    if (comparator != nullptr) *comparator = v->comparator;
    return v->value;
  }
  std::optional<double> value(std::string_view key) const {
    auto v = optional(key);
    return v ? std::optional<double>(v->value) : std::nullopt;
  }
};

// A generic kind's values in table order; the first component is required, and only it may
// carry a comparator (as for the typed kinds, whose range indicator is on the primary value).
void fill_generic(const KindRow& row, Lookup& in, GenericMeasurement& g) {
  for (const auto& c : row.components) {
    Comparator comparator = Comparator::kNone;
    if (&c == row.components.data()) {
      const double value = in.required(c.key, &comparator);
      if (in.error.empty()) g.values.push_back({std::string(c.key), value, comparator});
    } else if (auto v = in.value(c.key)) {
      g.values.push_back({std::string(c.key), *v, Comparator::kNone});
    }
  }
}

}  // namespace

Result<Measurement> make_measurement(const KindRow& row, std::span<const ComponentValue> values) {
  Lookup in{values, {}};
  for (const auto& v : values) {
    if (find_component(row, v.key) == nullptr) {
      return fail(Errc::kMalformed, std::string(row.name) + " has no value " + std::string(v.key));
    }
  }
  Measurement m = default_measurement(row);
  std::visit(Overloaded{
                 [&](BloodPressure& bp) {
                   bp.systolic_mmhg = in.required("systolic_mmhg");
                   bp.diastolic_mmhg = in.required("diastolic_mmhg");
                   bp.mean_arterial_mmhg = in.value("mean_arterial_mmhg");
                   bp.pulse_per_min = in.value("pulse_per_min");
                 },
                 [&](Glucose& g) { g.mmol_per_l = in.required("mmol_per_l", &g.comparator); },
                 [&](Inr& inr) {
                   inr.ratio = in.required("ratio", &inr.comparator);
                   inr.prothrombin_time_s = in.value("prothrombin_time_s");
                 },
                 [&](CardiacImplantSummary&) { in.error = "implant summary has no components"; },
                 [&](Weight& w) { w.kg = in.required("kg"); },
                 [&](Spo2& s) {
                   s.percent = in.required("percent");
                   s.pulse_per_min = in.value("pulse_per_min");
                 },
                 [&](Temperature& t) { t.celsius = in.required("celsius"); },
                 [&](GenericMeasurement& g) { fill_generic(row, in, g); },
             },
             m);
  if (!in.error.empty()) return fail(Errc::kMalformed, std::string(row.name) + ": " + in.error);
  // Every value given must read back unchanged (a comparator the kind cannot hold, a key given
  // twice): dropping one would turn a limit into an exact value or lose a value.
  const auto back = component_values(m);
  for (const auto& v : values) {
    bool kept = false;
    for (const auto& b : back) {
      kept = kept || (b.key == v.key && b.value == v.value && b.comparator == v.comparator);
    }
    if (!kept || back.size() != values.size()) {
      return fail(Errc::kMalformed, std::string(row.name) + ": " + std::string(v.key) +
                                        " cannot be held as given (comparator or repeated key)");
    }
  }
  return m;
}

const KindRow& kind_of(const Measurement& m) {
  if (const auto* g = std::get_if<GenericMeasurement>(&m)) {
    const KindRow* row = find_kind(g->kind);
    // Only make_measurement builds one, from a row, so a nameless kind is a broken invariant.
    KOTONA_CHECK(row != nullptr && row >= kind_table().data() + kTypedKinds);
    return *row;
  }
  return kind_table()[m.index()];
}

const KindRow* find_kind(std::string_view name) {
  for (const auto& row : kind_table()) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

const KindComponent* find_component(const KindRow& row, std::string_view key) {
  for (const auto& c : row.components) {
    if (c.key == key) return &c;
  }
  return nullptr;
}

std::string kind_names() {
  std::string out;
  for (const auto& row : kind_table()) out += (out.empty() ? "" : " ") + std::string(row.name);
  return out;
}

Measurement default_measurement(const KindRow& row) {
  const auto index = static_cast<std::size_t>(&row - kind_table().data());
  if (index >= kTypedKinds) return GenericMeasurement{std::string(row.name), {}};
  return make_at(index, std::make_index_sequence<std::variant_size_v<Measurement>>{});
}

// The one place that maps each value type's fields to its row's component keys.
std::vector<ComponentValue> component_values(const Measurement& m) {
  std::vector<ComponentValue> out;
  std::visit(Overloaded{
                 [&](const BloodPressure& bp) {
                   add(out, "systolic_mmhg", bp.systolic_mmhg);
                   add(out, "diastolic_mmhg", bp.diastolic_mmhg);
                   add(out, "mean_arterial_mmhg", bp.mean_arterial_mmhg);
                   add(out, "pulse_per_min", bp.pulse_per_min);
                 },
                 [&](const Glucose& g) { add(out, "mmol_per_l", g.mmol_per_l, g.comparator); },
                 [&](const Inr& inr) {
                   add(out, "ratio", inr.ratio, inr.comparator);
                   add(out, "prothrombin_time_s", inr.prothrombin_time_s);
                 },
                 [&](const CardiacImplantSummary&) {},
                 [&](const Weight& w) { add(out, "kg", w.kg); },
                 [&](const Spo2& s) {
                   add(out, "percent", s.percent);
                   add(out, "pulse_per_min", s.pulse_per_min);
                 },
                 [&](const Temperature& t) { add(out, "celsius", t.celsius); },
                 [&](const GenericMeasurement& g) {
                   // Keys by the row's own storage, so they outlive the measurement.
                   const KindRow& row = kind_of(m);
                   for (const auto& v : g.values) {
                     const KindComponent* c = find_component(row, v.key);
                     if (c != nullptr) out.push_back({c->key, v.value, v.comparator});
                   }
                 },
             },
             m);
  return out;
}

}  // namespace kotona
