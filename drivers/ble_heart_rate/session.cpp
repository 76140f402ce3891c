#include "drivers/ble_heart_rate/session.h"

#include "core/kinds.h"
#include "drivers/ble_heart_rate/parse.h"

namespace kotona::drivers::ble_heart_rate {

Session::Session(const SessionContext& context)
    : MeasurementSession("ble_heart_rate", context, {kMeasurementCharacteristic}, {}) {}

void Session::on_measurement(const GattValue& value, HubTime hub_time, Step& step) {
  auto m = parse_measurement(value.bytes);
  if (!m) {
    // The device considers it delivered: refused_records tells the care team (invariant 13).
    step.refused_records.push_back(m.error());
    step.rejected.push_back(m.error());
    return;
  }
  // A strap off the skin keeps notifying a meaningless rate: state, not a reading or an error,
  // but counted (device_skipped_no_skin_contact) so a strap worn loose shows at the hub.
  if (m->contact == Contact::kNotDetected) {
    step.skipped.emplace_back("no_skin_contact");
    return;
  }
  // heart_rate has no value type of its own: its kind-table row builds the measurement.
  // Energy expended and RR intervals have no component in the row yet (README.md).
  const KindRow* row = find_kind("heart_rate");
  if (row == nullptr) {  // the kind table names its kinds; session_test checks this one
    step.rejected.push_back(Error{Errc::kMalformed, 0, "no heart_rate kind in this build"});
    return;
  }
  const ComponentValue bpm{"beats_per_min", static_cast<double>(m->beats_per_min)};
  auto measurement = make_measurement(*row, std::span(&bpm, 1));
  if (!measurement) {
    step.rejected.push_back(measurement.error());
    return;
  }
  step.readings.push_back(make_reading(std::move(*measurement), hub_time));
}

}  // namespace kotona::drivers::ble_heart_rate
