#include "drivers/ble_glucose/parse.h"

#include <doctest/doctest.h>

#include <vector>

#include "drivers/gatt/medfloat.h"

namespace kotona::drivers::ble_glucose {
namespace {

using namespace std::chrono;
using Bytes = std::vector<std::uint8_t>;
using gatt::Decimal;
using gatt::Special;

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v & 0xFF));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}

// Test-side encoder written from the GSS layout. Default: 97 mg/dL = 97e-5 kg/L (SFLOAT
// mantissa 97, exponent -5), capillary whole blood from a finger (0x11).
Bytes measurement(std::uint8_t flags, std::uint16_t seq = 42, std::uint16_t value = 0xB061,
                  std::uint8_t type_location = 0x11, std::uint16_t status = 0,
                  std::int16_t offset = 60) {
  Bytes b{flags};
  put16(b, seq);
  b.insert(b.end(), {0xEA, 0x07, 11, 22, 9, 15, 0});  // base time 2026-11-22 09:15:00
  if (flags & 0x01) put16(b, static_cast<std::uint16_t>(offset));
  if (flags & 0x02) {
    put16(b, value);
    b.push_back(type_location);
  }
  if (flags & 0x08) put16(b, status);
  return b;
}

const DeviceTime kBase{sys_days{2026y / 11 / 22} + 9h + 15min};

TEST_CASE("ble_glucose: parse_measurement: sfloat encoding of the default value is 97e-5") {
  CHECK(gatt::encode_sfloat(Decimal{97, -5}) == 0xB061);
}

TEST_CASE(
    "ble_glucose: parse_measurement: each of the 32 flag combinations -> the announced fields") {
  for (unsigned f = 0; f < 32; ++f) {
    const auto flags = static_cast<std::uint8_t>(f);
    // mol/L (bit 2): 5.4 mmol/L = 54e-4 mol/L.
    const std::uint16_t value = (flags & 0x04) ? gatt::encode_sfloat(Decimal{54, -4}) : 0xB061;
    auto m = parse_measurement(measurement(flags, 42, value, 0x11, 0x0002));
    REQUIRE_MESSAGE(m.has_value(), "flags " << f);
    CHECK(m->sequence == 42);
    CHECK(m->base_time == kBase);
    CHECK(m->time == ((flags & 0x01) ? kBase + 60min : kBase));
    CHECK(m->mmol_per_l.has_value() == bool(flags & 0x02));
    if (m->mmol_per_l) CHECK(*m->mmol_per_l == ((flags & 0x04) ? 5.4 : 5.4));  // 97 mg/dL
    CHECK(m->quality.device_error == bool(flags & 0x08));
    CHECK(m->context_follows == bool(flags & 0x10));
  }
}

TEST_CASE("ble_glucose: parse_measurement: kg/L -> mg/dL / 18.0156, rounded to 0.1 mmol/L") {
  // 54 mg/dL -> 2.997 -> 3.0; 600 mg/dL -> 33.3.
  auto low = parse_measurement(measurement(0x02, 1, gatt::encode_sfloat(Decimal{54, -5})));
  CHECK(*low->mmol_per_l == 3.0);
  auto high = parse_measurement(measurement(0x02, 1, gatt::encode_sfloat(Decimal{6, -3})));
  CHECK(*high->mmol_per_l == 33.3);
}

TEST_CASE("ble_glucose: parse_measurement: negative time offset -> time before the base time") {
  auto m = parse_measurement(measurement(0x01, 1, 0, 0, 0, -90));
  CHECK(m->time == kBase - 90min);
}

TEST_CASE("ble_glucose: parse_measurement: control solution type or location -> control_result") {
  CHECK(parse_measurement(measurement(0x02, 1, 0xB061, 0x1A))->quality.control_result);
  CHECK(parse_measurement(measurement(0x02, 1, 0xB061, 0x41))->quality.control_result);
  CHECK_FALSE(parse_measurement(measurement(0x02, 1, 0xB061, 0xF1))->quality.control_result);
  auto m = parse_measurement(measurement(0x02, 1, 0xB061, 0x23));
  CHECK(m->sample_type == 3);
  CHECK(m->sample_location == 2);
}

TEST_CASE("ble_glucose: parse_measurement: each sensor status bit -> its flag") {
  for (unsigned bit = 0; bit < 16; ++bit) {
    const auto status = static_cast<std::uint16_t>(1u << bit);
    auto m = parse_measurement(measurement(0x0A, 1, 0xB061, 0x11, status));
    REQUIRE(m.has_value());
    CHECK(m->status == status);
    const bool range_bit = bit == 5 || bit == 6;  // a comparator, not a failed measurement
    CHECK_MESSAGE(m->quality.device_error == (bit >= 1 && bit <= 10 && !range_bit), "bit " << bit);
    CHECK_MESSAGE(m->comparator == (bit == 5   ? Comparator::kAboveRange
                                    : bit == 6 ? Comparator::kBelowRange
                                               : Comparator::kNone),
                  "bit " << bit);
    CHECK_MESSAGE(m->quality.clock_suspect == (bit == 11), "bit " << bit);
  }
}

TEST_CASE("ble_glucose: parse_measurement: truncated at every length of every flag combination") {
  for (unsigned f = 0; f < 32; ++f) {
    const Bytes full = measurement(static_cast<std::uint8_t>(f));
    for (std::size_t n = 0; n < full.size(); ++n) {
      auto m = parse_measurement(std::span<const std::uint8_t>(full).first(n));
      REQUIRE_FALSE_MESSAGE(m.has_value(), "flags " << f << " length " << n);
      CHECK(m.error().code == Errc::kTruncated);
      CHECK(m.error().offset <= n);
    }
  }
  CHECK_FALSE(measurement_sequence(Bytes{0x02, 0x2A}).has_value());
  CHECK(measurement_sequence(Bytes{0x02, 0x2A, 0x01}) == 0x012A);
}

TEST_CASE(
    "ble_glucose: parse_measurement: concentration special -> kOutOfRange, reserved -> "
    "kMalformed") {
  for (Special s :
       {Special::kNan, Special::kNres, Special::kPositiveInfinity, Special::kNegativeInfinity}) {
    auto m = parse_measurement(measurement(0x02, 1, gatt::encode_sfloat(s)));
    REQUIRE_FALSE(m.has_value());
    CHECK(m.error().code == Errc::kOutOfRange);
    CHECK(m.error().offset == 10);
  }
  auto r = parse_measurement(measurement(0x02, 1, gatt::encode_sfloat(Special::kReserved)));
  CHECK(r.error().code == Errc::kMalformed);
}

TEST_CASE(
    "ble_glucose: parse_measurement: concentration beyond the meter's range -> passed on, exact") {
  // The hub no longer judges plausibility (issue 13): the server flags, never drops.
  auto high = parse_measurement(measurement(0x02, 1, gatt::encode_sfloat(Decimal{2, -2})));
  REQUIRE(high.has_value());  // 0.02 kg/L = 2000 mg/dL
  CHECK(*high->mmol_per_l == doctest::Approx(111.0));
  auto mmol = parse_measurement(measurement(0x06, 1, gatt::encode_sfloat(Decimal{60, -3})));
  REQUIRE(mmol.has_value());
  CHECK(*mmol->mmol_per_l == doctest::Approx(60.0));
  CHECK(mmol->comparator == Comparator::kNone);
}

TEST_CASE(
    "ble_glucose: parse_measurement: status 'higher / lower than the device can process' -> "
    "limit") {
  // A limit sent as a number keeps it; a special value takes the reference meter's limit.
  auto above =
      parse_measurement(measurement(0x0A, 1, gatt::encode_sfloat(Decimal{600, -5}), 0x11, 0x0020));
  REQUIRE(above.has_value());
  CHECK(above->comparator == Comparator::kAboveRange);
  CHECK(*above->mmol_per_l == doctest::Approx(33.3));
  CHECK_FALSE(above->quality.device_error);
  auto inf = parse_measurement(
      measurement(0x0A, 1, gatt::encode_sfloat(Special::kPositiveInfinity), 0x11, 0x0020));
  REQUIRE(inf.has_value());
  CHECK(*inf->mmol_per_l == doctest::Approx(kMeasuringRangeHighMmolPerL));
  auto lo = parse_measurement(
      measurement(0x0A, 1, gatt::encode_sfloat(Special::kNegativeInfinity), 0x11, 0x0040));
  REQUIRE(lo.has_value());
  CHECK(lo->comparator == Comparator::kBelowRange);
  CHECK(*lo->mmol_per_l == doctest::Approx(kMeasuringRangeLowMmolPerL));
  auto both = parse_measurement(measurement(0x0A, 1, 0xB061, 0x11, 0x0060));
  REQUIRE_FALSE(both.has_value());
  CHECK(both.error().code == Errc::kMalformed);
}

TEST_CASE("ble_glucose: parse_measurement: base time unknown -> no time, bad day -> kMalformed") {
  Bytes b = measurement(0x03);
  b[3] = 0;
  b[4] = 0;
  auto m = parse_measurement(b);
  REQUIRE(m.has_value());
  CHECK_FALSE(m->base_time.has_value());
  CHECK_FALSE(m->time.has_value());
  b = measurement(0x02);
  b[6] = 31;  // 31 November
  CHECK(parse_measurement(b).error().code == Errc::kMalformed);
}

TEST_CASE(
    "ble_glucose: parse_measurement: trailing bytes -> kMalformed, with an RFU flag -> ignored") {
  Bytes b = measurement(0x02);
  b.push_back(0);
  CHECK(parse_measurement(b).error().code == Errc::kMalformed);
  Bytes future = measurement(0x22);
  future.push_back(0);
  CHECK(parse_measurement(future).has_value());
}

Bytes context(std::uint8_t flags, std::uint16_t seq = 42, std::uint8_t meal = 1,
              std::uint16_t hba1c = 0xF03E) {
  Bytes b{flags};
  put16(b, seq);
  if (flags & 0x80) b.push_back(0);
  if (flags & 0x01) b.insert(b.end(), {1, 0x32, 0xD0});  // breakfast, 50 g (50e-3 kg)
  if (flags & 0x02) b.push_back(meal);
  if (flags & 0x04) b.push_back(0x21);                    // self, minor health issues
  if (flags & 0x08) b.insert(b.end(), {0x10, 0x0E, 50});  // 3600 s at 50 %
  if (flags & 0x10) b.insert(b.end(), {1, 0x0A, 0xA0});   // rapid-acting insulin
  if (flags & 0x40) put16(b, hba1c);                      // 6.2 %
  return b;
}

TEST_CASE(
    "ble_glucose: parse_context: each flag, truncated at every length -> fields or kTruncated") {
  for (unsigned f = 0; f < 256; ++f) {
    if (f & 0x20) continue;  // units bit: no field of its own
    const Bytes full = context(static_cast<std::uint8_t>(f));
    auto c = parse_context(full);
    REQUIRE_MESSAGE(c.has_value(), "flags " << f);
    CHECK(c->sequence == 42);
    CHECK(c->meal == ((f & 0x02) ? MealMarker::kPreprandial : MealMarker::kUnknown));
    CHECK(c->tester.has_value() == bool(f & 0x04));
    CHECK(c->hba1c_percent.has_value() == bool(f & 0x40));
    for (std::size_t n = 0; n < full.size(); ++n) {
      CHECK(parse_context(std::span<const std::uint8_t>(full).first(n)).error().code ==
            Errc::kTruncated);
    }
  }
}

TEST_CASE("ble_glucose: parse_context: meal values -> markers, casual and reserved -> unknown") {
  const MealMarker expected[] = {MealMarker::kUnknown,      MealMarker::kPreprandial,
                                 MealMarker::kPostprandial, MealMarker::kFasting,
                                 MealMarker::kUnknown,      MealMarker::kBedtime,
                                 MealMarker::kUnknown};
  for (std::uint8_t meal = 0; meal < 7; ++meal) {
    CHECK(parse_context(context(0x02, 1, meal))->meal == expected[meal]);
  }
}

TEST_CASE(
    "ble_glucose: parse_context: HbA1c special -> left out, reserved -> kMalformed, trailing") {
  CHECK_FALSE(parse_context(context(0x40, 1, 0, gatt::encode_sfloat(Special::kNan)))
                  ->hba1c_percent.has_value());
  CHECK(parse_context(context(0x40, 1, 0, gatt::encode_sfloat(Special::kReserved))).error().code ==
        Errc::kMalformed);
  Bytes b = context(0x02);
  b.push_back(0);
  CHECK(parse_context(b).error().code == Errc::kMalformed);
  CHECK(parse_context(Bytes{}).error().code == Errc::kTruncated);
}

}  // namespace
}  // namespace kotona::drivers::ble_glucose
