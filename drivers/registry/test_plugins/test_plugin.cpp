// Broken driver plugins for the loader's tests (plugins_test.cpp, gateway/driver_plugins_test):
// one source, built once per variant (drivers/registry/CMakeLists.txt) with
//   KOTONA_TEST_PLUGIN_NAME / _SERVICE  its driver's name and BLE service;
//   KOTONA_TEST_PLUGIN_ABI              the ABI string it claims (default: the real one);
//   KOTONA_TEST_PLUGIN_NO_ENTRY         no entry points at all.
// Its session answers every value with five readings, four of which no hub can hold.
#include <cmath>
#include <limits>
#include <memory>

#include "drivers/api/plugin.h"

#ifndef KOTONA_TEST_PLUGIN_ABI
#define KOTONA_TEST_PLUGIN_ABI KOTONA_DRIVER_PLUGIN_ABI
#endif

namespace {

using namespace kotona;
using namespace kotona::drivers;

Reading reading(Measurement m, std::string serial, HubTime t) {
  Reading r;
  r.device = DeviceIdentity{"Test", "Broken", DeviceSerial{std::move(serial)}, "0",
                            KOTONA_TEST_PLUGIN_NAME};
  r.hub_time = t;
  r.measurement = std::move(m);
  return r;
}

class BadSession final : public DeviceSession {
 public:
  Step start() override { return {}; }
  Result<Step> on_input(const Input& input) override {
    if (!std::holds_alternative<GattValue>(input.event)) return Step{};
    const HubTime t = input.hub_time;
    Step step;
    step.readings.push_back(reading(Temperature{std::nan("")}, "TP1", t));
    step.readings.push_back(reading(Temperature{1e300}, "TP1", t));
    step.readings.push_back(reading(Temperature{36.6}, "", t));
    step.readings.push_back(reading(GenericMeasurement{"no_such_kind", {{"x", 1}}}, "TP1", t));
    step.readings.push_back(reading(Temperature{36.6}, "TP1", t));  // the one good reading
    return step;
  }
  Step on_timer() override { return {}; }
};

std::unique_ptr<DeviceSession> make_session(const SessionContext&) {
  return std::make_unique<BadSession>();
}

[[maybe_unused]] const DriverDescriptor& descriptor() {
  static const DriverDescriptor kDescriptor{
      .name = KOTONA_TEST_PLUGIN_NAME,
      .version = "0.0.1",
      .status = Status::kWip,
      .serial = {},
      .ble = {BleMatch{.service_uuid16 = KOTONA_TEST_PLUGIN_SERVICE}},
      .make_session = &make_session,
  };
  return kDescriptor;
}

}  // namespace

#ifndef KOTONA_TEST_PLUGIN_NO_ENTRY
extern "C" KOTONA_DRIVER_PLUGIN_EXPORT const char* kotona_driver_plugin_abi() {
  return KOTONA_TEST_PLUGIN_ABI;
}
extern "C" KOTONA_DRIVER_PLUGIN_EXPORT const DriverDescriptor* kotona_driver_plugin_descriptor() {
  return &descriptor();
}
#else
extern "C" KOTONA_DRIVER_PLUGIN_EXPORT int kotona_not_a_driver() { return 0; }
#endif
