#include "gateway/reading_gate.h"

#include <cmath>
#include <variant>
#include <vector>

#include "core/kinds.h"

namespace kotona::gateway {

namespace {

constexpr double kMaxAbsValue = 1e6;

// A GenericMeasurement names its row; kind_of() treats a name no generic row has as a broken
// invariant, so the hub checks it here, where the measurement first arrives.
Result<void> check_generic(const GenericMeasurement& g) {
  const KindRow* row = find_kind(g.kind);
  const auto table = kind_table();
  const auto typed = std::variant_size_v<Measurement> - 1;
  if (row == nullptr || static_cast<std::size_t>(row - table.data()) < typed) {
    return fail(Errc::kMalformed, "kind '" + g.kind + "' is no generic row of the kind table");
  }
  std::vector<ComponentValue> values;
  for (const auto& v : g.values) values.push_back(ComponentValue{v.key, v.value, v.comparator});
  if (auto made = make_measurement(*row, values); !made) return fail(made.error());
  return {};
}

}  // namespace

Result<void> check_driver_reading(const Reading& reading) {
  if (reading.device.serial.value.empty()) return fail(Errc::kMalformed, "no device serial");
  if (const auto* g = std::get_if<GenericMeasurement>(&reading.measurement)) {
    if (auto ok = check_generic(*g); !ok) return ok;
  }
  for (const auto& v : component_values(reading.measurement)) {
    if (!std::isfinite(v.value) || std::fabs(v.value) > kMaxAbsValue) {
      return fail(Errc::kOutOfRange,
                  std::string(v.key) + ": " + std::to_string(v.value) + " is no measured value");
    }
  }
  return {};
}

}  // namespace kotona::gateway
