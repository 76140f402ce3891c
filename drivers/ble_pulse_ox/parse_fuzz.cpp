// Fuzz target for ble_pulse_ox: bytes go to both parsers and, as 0x2A5E / 0x2A5F values (or,
// when they read as a capture, event by event), through a Session. Must never crash.
#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/ble_pulse_ox/parse.h"
#include "drivers/ble_pulse_ox/session.h"
#include "drivers/gatt/fuzz_support.h"
#include "drivers/gatt/uuids.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kotona::drivers;
  const std::span<const std::uint8_t> bytes(data, size);
  (void)ble_pulse_ox::parse_spot_check(bytes);
  (void)ble_pulse_ox::parse_continuous(bytes);
  ble_pulse_ox::Session session(SessionContext{"AA:BB:CC:DD:EE:03"});
  gatt::fuzz::run_session(session, bytes,
                          {gatt::uuid::kPlxSpotCheckMeasurement,
                           gatt::uuid::kPlxContinuousMeasurement});
  return 0;
}
