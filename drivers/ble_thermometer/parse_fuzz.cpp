// Fuzz target for ble_thermometer: bytes go to the parser and, as 0x2A1C / 0x2A1E values (or,
// when they read as a capture, event by event), through a Session. Must never crash.
#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/ble_thermometer/parse.h"
#include "drivers/ble_thermometer/session.h"
#include "drivers/gatt/fuzz_support.h"
#include "drivers/gatt/uuids.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kotona::drivers;
  const std::span<const std::uint8_t> bytes(data, size);
  (void)ble_thermometer::parse_measurement(bytes);
  ble_thermometer::Session session(SessionContext{"AA:BB:CC:DD:EE:05"});
  gatt::fuzz::run_session(session, bytes,
                          {gatt::uuid::kTemperatureMeasurement,
                           gatt::uuid::kIntermediateTemperature});
  return 0;
}
