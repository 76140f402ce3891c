// Fuzz target for _template: bytes go to the parser and, as 0xFFF1 values (or, when they read
// as a capture, event by event), through a Session. Must never crash.
#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/_template/parse.h"
#include "drivers/_template/session.h"
#include "drivers/gatt/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kotona::drivers;
  const std::span<const std::uint8_t> bytes(data, size);
  (void)_template::parse_measurement(bytes);
  _template::Session session(SessionContext{"AA:BB:CC:DD:EE:09"});
  gatt::fuzz::run_session(session, bytes, {_template::kMeasurementCharacteristic});
  return 0;
}
