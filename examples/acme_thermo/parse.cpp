#include "drivers/acme_thermo/parse.h"

#include "drivers/gatt/byte_reader.h"
#include "drivers/gatt/date_time.h"

namespace kotona::drivers::acme_thermo {

namespace {
constexpr std::uint8_t kTimeStamp = 0x01, kReserved = 0xFE;
constexpr std::int16_t kNoValue = INT16_MIN;  // 0x8000
constexpr double kMinCelsius = 20, kMaxCelsius = 45;
}  // namespace

Result<Measurement> parse_measurement(std::span<const std::uint8_t> bytes) {
  gatt::ByteReader r(bytes);
  auto flags = r.u8("flags");
  if (!flags) return fail(flags.error());
  if (*flags & kReserved) return fail(Errc::kMalformed, 0, "flags: reserved bits set");
  auto raw = r.s16le("temperature");
  if (!raw) return fail(raw.error());
  if (*raw == kNoValue) return fail(Errc::kOutOfRange, 1, "temperature: no value");
  Measurement m;
  m.temperature.celsius = *raw / 100.0;
  if (m.temperature.celsius < kMinCelsius || m.temperature.celsius > kMaxCelsius) {
    return fail(Errc::kOutOfRange, 1, "temperature outside 20..45 degC");
  }
  if (*flags & kTimeStamp) {
    auto t = gatt::read_date_time(r);
    if (!t) return fail(t.error());
    m.time = *t;
  }
  if (auto e = r.expect_end("the measurement"); !e) return fail(e.error());
  return m;
}

}  // namespace kotona::drivers::acme_thermo
