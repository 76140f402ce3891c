#include "drivers/ble_weight/parse.h"

#include <cmath>

#include "drivers/gatt/byte_reader.h"
#include "drivers/gatt/date_time.h"

namespace kotona::drivers::ble_weight {

namespace {

constexpr std::uint8_t kImperial = 0x01, kTimeStamp = 0x02, kUser = 0x04, kBmiHeight = 0x08,
                       kFlagsRfu = 0xF0;
constexpr std::uint16_t kUnsuccessful = 0xFFFF;
constexpr double kMaxKg = 500;

Result<void> read_optional_fields(gatt::ByteReader& r, std::uint8_t flags, Measurement& m) {
  if (flags & kTimeStamp) {
    auto t = gatt::read_date_time(r);
    if (t) {
      m.time = *t;
    } else if (t.error().code != Errc::kOutOfRange) {  // kOutOfRange: "not known"
      return fail(t.error());
    }
  }
  if (flags & kUser) {
    auto u = r.u8("user id");
    if (!u) return fail(u.error());
    m.user = *u;
  }
  if (flags & kBmiHeight) {
    auto bmi = r.u16le("BMI");
    if (!bmi) return fail(bmi.error());
    auto height = r.u16le("height");
    if (!height) return fail(height.error());
    m.bmi = *bmi * 0.1;
    m.height_m = (flags & kImperial) ? std::round(*height * 0.1 * 25.4) / 1000.0
                                     : *height * 0.001;
  }
  return {};
}

}  // namespace

Result<Measurement> parse_measurement(std::span<const std::uint8_t> bytes) {
  gatt::ByteReader r(bytes);
  auto flags = r.u8("flags");
  if (!flags) return fail(flags.error());
  auto raw = r.u16le("weight");
  if (!raw) return fail(raw.error());
  if (*raw == kUnsuccessful) return fail(Errc::kOutOfRange, 1, "weight: measurement unsuccessful");
  const double kg = (*flags & kImperial) ? *raw * 0.01 * kKgPerLb : *raw * 0.005;
  Measurement m;
  m.weight.kg = std::round(kg * 1000.0) / 1000.0;
  if (m.weight.kg <= 0 || m.weight.kg > kMaxKg) {
    return fail(Errc::kOutOfRange, 1, "weight outside 0..500 kg");
  }
  if (auto o = read_optional_fields(r, *flags, m); !o) return fail(o.error());
  if ((*flags & kFlagsRfu) == 0) {
    if (auto e = r.expect_end("the weight measurement"); !e) return fail(e.error());
  }
  return m;
}

}  // namespace kotona::drivers::ble_weight
