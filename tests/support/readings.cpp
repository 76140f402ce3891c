#include "tests/support/readings.h"

#include <utility>

namespace kotona::test {

Reading reading_of(const GatewayId& gateway, const std::string& serial, const std::string& record,
                   Measurement measurement, HubTime measured) {
  Reading r;
  r.device.serial = DeviceSerial{serial};
  r.record_id = record;
  r.hub_time = measured;
  r.device_time = std::chrono::floor<std::chrono::seconds>(measured);
  r.measurement = std::move(measurement);
  finalize_reading(gateway, r);
  return r;
}

Reading bp(const GatewayId& gateway, const std::string& serial, const std::string& record,
           double systolic, double diastolic, HubTime measured) {
  return reading_of(gateway, serial, record, BloodPressure{systolic, diastolic, std::nullopt, 70.0},
                    measured);
}

}  // namespace kotona::test
