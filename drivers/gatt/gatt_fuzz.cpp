// Fuzz target for drivers/gatt: every parser here gets the same bytes. Must never crash.
#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/gatt/byte_reader.h"
#include "drivers/gatt/date_time.h"
#include "drivers/gatt/racp.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kotona::drivers::gatt;
  const std::span<const std::uint8_t> bytes(data, size);
  (void)racp::parse_indication(bytes);
  (void)parse_current_time(bytes);
  ByteReader r(bytes);
  (void)read_date_time(r);
  while (r.remaining() > 0) {
    (void)r.sfloat("s");
    (void)r.float32("f");
    (void)r.u8("b");
  }
  return 0;
}
