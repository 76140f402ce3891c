// Fuzz target for acme_thermo: bytes go to the parser and, as 0xFFF1 values (or, when they read
// as a capture, event by event), through a Session. Must never crash.
#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/acme_thermo/parse.h"
#include "drivers/acme_thermo/session.h"
#include "drivers/gatt/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kotona::drivers;
  const std::span<const std::uint8_t> bytes(data, size);
  (void)acme_thermo::parse_measurement(bytes);
  acme_thermo::Session session(SessionContext{"AA:BB:CC:DD:EE:09"});
  gatt::fuzz::run_session(session, bytes, {acme_thermo::kMeasurementCharacteristic});
  return 0;
}
