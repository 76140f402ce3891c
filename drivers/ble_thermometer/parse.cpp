#include "drivers/ble_thermometer/parse.h"

#include <cmath>

#include "drivers/gatt/byte_reader.h"
#include "drivers/gatt/date_time.h"

namespace kotona::drivers::ble_thermometer {

namespace {
constexpr std::uint8_t kFahrenheit = 0x01, kTimeStamp = 0x02, kType = 0x04, kFlagsRfu = 0xF8;
constexpr double kMinCelsius = 15, kMaxCelsius = 50;
}  // namespace

Result<Measurement> parse_measurement(std::span<const std::uint8_t> bytes) {
  gatt::ByteReader r(bytes);
  auto flags = r.u8("flags");
  if (!flags) return fail(flags.error());
  auto raw = r.float32("temperature");
  if (!raw) return fail(raw.error());
  auto value = gatt::required_value(*raw, 1, "temperature");
  if (!value) return fail(value.error());
  const double celsius = (*flags & kFahrenheit) ? (*value - 32.0) * 5.0 / 9.0 : *value;
  Measurement m;
  m.temperature.celsius = std::round(celsius * 100.0) / 100.0;
  if (!(m.temperature.celsius >= kMinCelsius && m.temperature.celsius <= kMaxCelsius)) {
    return fail(Errc::kOutOfRange, 1, "temperature outside 15..50 Celsius");
  }
  if (*flags & kTimeStamp) {
    auto t = gatt::read_date_time(r);
    if (t) {
      m.time = *t;
    } else if (t.error().code != Errc::kOutOfRange) {  // kOutOfRange: "not known"
      return fail(t.error());
    }
  }
  if (*flags & kType) {
    auto type = r.u8("temperature type");
    if (!type) return fail(type.error());
    m.type = *type;
  }
  if ((*flags & kFlagsRfu) == 0) {
    if (auto e = r.expect_end("the temperature measurement"); !e) return fail(e.error());
  }
  return m;
}

}  // namespace kotona::drivers::ble_thermometer
