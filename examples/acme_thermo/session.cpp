#include "drivers/acme_thermo/session.h"

#include "drivers/acme_thermo/parse.h"

namespace kotona::drivers::acme_thermo {

Session::Session(const SessionContext& context)
    : MeasurementSession("acme_thermo", context, {kMeasurementCharacteristic}, {}) {}

void Session::on_measurement(const GattValue& value, HubTime hub_time, Step& step) {
  auto m = parse_measurement(value.bytes);
  if (!m) {
    // The device considers it delivered: refused_records tells the care team (invariant 13).
    step.refused_records.push_back(m.error());
    step.rejected.push_back(m.error());
    return;
  }
  Reading r = make_reading(m->temperature, hub_time);
  r.device_time = m->time;
  step.readings.push_back(std::move(r));
}

}  // namespace kotona::drivers::acme_thermo
