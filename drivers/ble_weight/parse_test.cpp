#include "drivers/ble_weight/parse.h"

#include <doctest/doctest.h>

#include <vector>

namespace kotona::drivers::ble_weight {
namespace {

using namespace std::chrono;
using Bytes = std::vector<std::uint8_t>;

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v & 0xFF));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}

// From the GSS layout. SI: 15000 x 0.005 = 75 kg, BMI 24.5, height 1750 mm; imperial: 16535 x
// 0.01 lb = 165.35 lb, height 689 x 0.1 in.
Bytes weight(std::uint8_t flags, std::uint16_t raw = 15000, std::uint8_t user = 3) {
  Bytes b{flags};
  put16(b, raw);
  if (flags & 0x02) b.insert(b.end(), {0xEA, 0x07, 11, 22, 7, 30, 0});
  if (flags & 0x04) b.push_back(user);
  if (flags & 0x08) {
    put16(b, 245);
    put16(b, (flags & 0x01) ? 689 : 1750);
  }
  return b;
}

TEST_CASE(
    "ble_weight: parse_measurement: each of the 16 flag combinations -> fields, truncation at each "
    "length") {
  for (unsigned f = 0; f < 16; ++f) {
    const bool lb = f & 0x01;
    const Bytes full = weight(static_cast<std::uint8_t>(f), lb ? 16535 : 15000);
    auto m = parse_measurement(full);
    REQUIRE_MESSAGE(m.has_value(), "flags " << f);
    CHECK(m->weight.kg == (lb ? 75.001 : 75.0));  // 165.35 lb = 75.0015 kg, to 1 g
    CHECK(m->time.has_value() == bool(f & 0x02));
    CHECK(m->user.has_value() == bool(f & 0x04));
    CHECK(m->bmi.has_value() == bool(f & 0x08));
    if (m->height_m) CHECK(*m->height_m == (lb ? 1.750 : 1.750));  // 68.9 in = 1.750 m
    for (std::size_t n = 0; n < full.size(); ++n) {
      CHECK(parse_measurement(std::span<const std::uint8_t>(full).first(n)).error().code ==
            Errc::kTruncated);
    }
  }
  CHECK(parse_measurement(weight(0x02))->time == sys_days{2026y / 11 / 22} + 7h + 30min);
  CHECK(*parse_measurement(weight(0x08))->bmi == doctest::Approx(24.5));
}

TEST_CASE(
    "ble_weight: parse_measurement: 0xFFFF measurement unsuccessful -> kOutOfRange, never a "
    "number") {
  for (std::uint8_t flags : {std::uint8_t{0x00}, std::uint8_t{0x01}, std::uint8_t{0x0E}}) {
    auto m = parse_measurement(weight(flags, 0xFFFF));
    REQUIRE_FALSE(m.has_value());
    CHECK(m.error().code == Errc::kOutOfRange);
    CHECK(m.error().offset == 1);
  }
}

TEST_CASE("ble_weight: parse_measurement: resolution 5 g, zero -> kOutOfRange, largest values") {
  CHECK(parse_measurement(weight(0, 1))->weight.kg == 0.005);
  CHECK(parse_measurement(weight(0, 0)).error().code == Errc::kOutOfRange);
  CHECK(parse_measurement(weight(0, 0xFFFE))->weight.kg == 327.67);   // largest SI value
  CHECK(parse_measurement(weight(1, 0xFFFE))->weight.kg == 297.257);  // 655.34 lb
}

TEST_CASE(
    "ble_weight: parse_measurement: trailing bytes -> kMalformed, RFU flag -> ignored, bad date") {
  Bytes b = weight(0);
  b.push_back(0);
  CHECK(parse_measurement(b).error().code == Errc::kMalformed);
  Bytes future = weight(0x10);
  future.push_back(0);
  CHECK(parse_measurement(future).has_value());
  Bytes bad = weight(0x02);
  bad[5] = 13;
  CHECK(parse_measurement(bad).error().code == Errc::kMalformed);
  CHECK(parse_measurement(Bytes{}).error().code == Errc::kTruncated);
}

}  // namespace
}  // namespace kotona::drivers::ble_weight
