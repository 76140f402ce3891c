#include "drivers/ble_thermometer/parse.h"

#include <doctest/doctest.h>

#include <vector>

#include "drivers/gatt/medfloat.h"

namespace kotona::drivers::ble_thermometer {
namespace {

using namespace std::chrono;
using Bytes = std::vector<std::uint8_t>;
using gatt::Decimal;
using gatt::Special;

// From the GSS layout: 37.2 Celsius (mantissa 372, exponent -1), or 98.6 F.
Bytes temperature(std::uint8_t flags, std::uint32_t raw = 0) {
  if (raw == 0) {
    raw = gatt::encode_float((flags & 0x01) ? Decimal{986, -1} : Decimal{372, -1});
  }
  Bytes b{flags};
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(raw >> (8 * i)));
  if (flags & 0x02) b.insert(b.end(), {0xEA, 0x07, 11, 22, 6, 45, 0});
  if (flags & 0x04) b.push_back(6);  // mouth
  return b;
}

TEST_CASE(
    "ble_thermometer: parse_measurement: each of the 8 flag combinations -> fields, truncation at "
    "each length") {
  for (unsigned f = 0; f < 8; ++f) {
    const Bytes full = temperature(static_cast<std::uint8_t>(f));
    auto m = parse_measurement(full);
    REQUIRE_MESSAGE(m.has_value(), "flags " << f);
    CHECK(m->temperature.celsius == 37.0 + ((f & 1) ? 0.0 : 0.2));  // 98.6 F = 37.00 C
    CHECK(m->time.has_value() == bool(f & 0x02));
    CHECK(m->type.has_value() == bool(f & 0x04));
    for (std::size_t n = 0; n < full.size(); ++n) {
      CHECK(parse_measurement(std::span<const std::uint8_t>(full).first(n)).error().code ==
            Errc::kTruncated);
    }
  }
  CHECK(parse_measurement(temperature(0x02))->time == sys_days{2026y / 11 / 22} + 6h + 45min);
  CHECK(parse_measurement(temperature(0x04))->type == 6);
}

TEST_CASE(
    "ble_thermometer: parse_measurement: FLOAT NaN / NRes / +-INF -> kOutOfRange, reserved -> "
    "kMalformed") {
  for (Special s :
       {Special::kNan, Special::kNres, Special::kPositiveInfinity, Special::kNegativeInfinity}) {
    auto m = parse_measurement(temperature(0, gatt::encode_float(s)));
    REQUIRE_FALSE(m.has_value());
    CHECK(m.error().code == Errc::kOutOfRange);
    CHECK(m.error().offset == 1);
  }
  CHECK(parse_measurement(temperature(0, gatt::encode_float(Special::kReserved))).error().code ==
        Errc::kMalformed);
}

TEST_CASE(
    "ble_thermometer: parse_measurement: outside 15..50 Celsius -> kOutOfRange, limits kept") {
  CHECK(parse_measurement(temperature(0, gatt::encode_float(Decimal{149, -1}))).error().code ==
        Errc::kOutOfRange);
  CHECK(parse_measurement(temperature(0, gatt::encode_float(Decimal{501, -1}))).error().code ==
        Errc::kOutOfRange);
  CHECK(
      parse_measurement(temperature(0, gatt::encode_float(Decimal{15, 0})))->temperature.celsius ==
      15);
  CHECK(parse_measurement(temperature(1, gatt::encode_float(Decimal{1022, -1})))
            ->temperature.celsius == 39.0);  // 102.2 F
}

TEST_CASE(
    "ble_thermometer: parse_measurement: trailing bytes -> kMalformed, RFU flag -> ignored, "
    "empty") {
  Bytes b = temperature(0);
  b.push_back(0);
  CHECK(parse_measurement(b).error().code == Errc::kMalformed);
  Bytes future = temperature(0x08);
  future.push_back(0);
  CHECK(parse_measurement(future).has_value());
  CHECK(parse_measurement(Bytes{}).error().code == Errc::kTruncated);
}

}  // namespace
}  // namespace kotona::drivers::ble_thermometer
