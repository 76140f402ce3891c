// Fuzz target for ble_glucose: bytes go to both parsers and to RACP, and through a Session as
// 0x2A18 / 0x2A34 / 0x2A52 values (or, when they read as a capture, event by event). Must never
// crash.
#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/ble_glucose/parse.h"
#include "drivers/ble_glucose/session.h"
#include "drivers/gatt/fuzz_support.h"
#include "drivers/gatt/uuids.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kotona::drivers;
  const std::span<const std::uint8_t> bytes(data, size);
  (void)ble_glucose::parse_measurement(bytes);
  (void)ble_glucose::parse_context(bytes);
  (void)ble_glucose::measurement_sequence(bytes);
  SessionContext context{"AA:BB:CC:DD:EE:02"};
  context.cursor = RecordCursor{kotona::DeviceSerial{"ble-aabbccddee02"}, 41};
  ble_glucose::Session session(context);
  gatt::fuzz::run_session(session, bytes,
                          {gatt::uuid::kGlucoseMeasurement, gatt::uuid::kGlucoseMeasurementContext,
                           gatt::uuid::kRecordAccessControlPoint});
  return 0;
}
