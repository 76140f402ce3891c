// Fuzz target for ble_bp: bytes go to both parsers and, as 0x2A35 / 0x2A36 values (or, when
// they read as a capture, event by event), through a Session. Must never crash.
#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/ble_bp/parse.h"
#include "drivers/ble_bp/session.h"
#include "drivers/gatt/fuzz_support.h"
#include "drivers/gatt/uuids.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kotona::drivers;
  const std::span<const std::uint8_t> bytes(data, size);
  (void)ble_bp::parse_measurement(bytes);
  (void)ble_bp::parse_intermediate_cuff_pressure(bytes);
  ble_bp::Session session(SessionContext{"AA:BB:CC:DD:EE:01"});
  gatt::fuzz::run_session(session, bytes,
                          {gatt::uuid::kBloodPressureMeasurement,
                           gatt::uuid::kIntermediateCuffPressure});
  return 0;
}
