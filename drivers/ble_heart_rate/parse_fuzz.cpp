// Fuzz target for ble_heart_rate: bytes go to the parser and, as 0x2A37 values (or, when they read
// as a capture, event by event), through a Session. Must never crash.
#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/ble_heart_rate/parse.h"
#include "drivers/ble_heart_rate/session.h"
#include "drivers/gatt/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kotona::drivers;
  const std::span<const std::uint8_t> bytes(data, size);
  (void)ble_heart_rate::parse_measurement(bytes);
  ble_heart_rate::Session session(SessionContext{"AA:BB:CC:DD:EE:09"});
  gatt::fuzz::run_session(session, bytes, {ble_heart_rate::kMeasurementCharacteristic});
  return 0;
}
