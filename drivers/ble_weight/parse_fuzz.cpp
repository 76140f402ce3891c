// Fuzz target for ble_weight: bytes go to the parser and, as 0x2A9D values (or, when they read
// as a capture, event by event), through a Session. Must never crash.
#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/ble_weight/parse.h"
#include "drivers/ble_weight/session.h"
#include "drivers/gatt/fuzz_support.h"
#include "drivers/gatt/uuids.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kotona::drivers;
  const std::span<const std::uint8_t> bytes(data, size);
  (void)ble_weight::parse_measurement(bytes);
  ble_weight::Session session(SessionContext{"AA:BB:CC:DD:EE:04"});
  gatt::fuzz::run_session(session, bytes, {gatt::uuid::kWeightMeasurement});
  return 0;
}
