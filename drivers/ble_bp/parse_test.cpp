#include "drivers/ble_bp/parse.h"

#include <doctest/doctest.h>

#include <vector>

#include "drivers/gatt/medfloat.h"

namespace kotona::drivers::ble_bp {
namespace {

using namespace std::chrono;
using Bytes = std::vector<std::uint8_t>;
using gatt::Decimal;
using gatt::Special;

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v & 0xFF));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}

// Test-side encoder written from the BLS/GSS layout, field by field.
Bytes encode(std::uint8_t flags, std::uint16_t sys = 0x00B6, std::uint16_t dia = 0x0070,
             std::uint16_t map = 0x0087, std::uint16_t pulse = 0x0047, std::uint8_t user = 2,
             std::uint16_t status = 0) {
  Bytes b{flags};
  put16(b, sys);
  put16(b, dia);
  put16(b, map);
  if (flags & 0x02) b.insert(b.end(), {0xEA, 0x07, 11, 22, 10, 15, 0});  // 2026-11-22 10:15
  if (flags & 0x04) put16(b, pulse);
  if (flags & 0x08) b.push_back(user);
  if (flags & 0x10) put16(b, status);
  return b;
}

const DeviceTime kTime{sys_days{2026y / 11 / 22} + 10h + 15min};

TEST_CASE("ble_bp: parse_measurement: each of the 32 flag combinations -> the announced fields") {
  for (unsigned f = 0; f < 32; ++f) {
    const auto flags = static_cast<std::uint8_t>(f);
    const bool kpa = flags & 1;
    // 18.2 kPa = 136.5 mmHg (to 0.1); 182 mmHg.
    const std::uint16_t sys = kpa ? gatt::encode_sfloat(Decimal{182, -1}) : 0x00B6;
    const std::uint16_t dia = kpa ? gatt::encode_sfloat(Decimal{112, -1}) : 0x0070;
    auto m = parse_measurement(encode(flags, sys, dia, 0x0087, 0x0047, 2, 0x0005));
    REQUIRE_MESSAGE(m.has_value(), "flags " << f);
    CHECK(m->pressure.systolic_mmhg == (kpa ? 136.5 : 182.0));
    CHECK(m->time.has_value() == bool(flags & 0x02));
    if (m->time) CHECK(*m->time == kTime);
    CHECK(m->pressure.pulse_per_min.has_value() == bool(flags & 0x04));
    CHECK(m->user.has_value() == bool(flags & 0x08));
    CHECK(m->quality.body_movement == bool(flags & 0x10));
    CHECK(m->quality.irregular_pulse == bool(flags & 0x10));
  }
}

TEST_CASE("ble_bp: parse_measurement: kPa units flag -> converted to mmHg, 0.1 resolution") {
  // 24.3 kPa / 14.9 kPa / 18.0 kPa.
  auto m = parse_measurement(encode(0x01, gatt::encode_sfloat(Decimal{243, -1}),
                                    gatt::encode_sfloat(Decimal{149, -1}),
                                    gatt::encode_sfloat(Decimal{180, -1})));
  REQUIRE(m.has_value());
  CHECK(m->pressure.systolic_mmhg == 182.3);
  CHECK(m->pressure.diastolic_mmhg == 111.8);
  CHECK(m->pressure.mean_arterial_mmhg == 135.0);
}

TEST_CASE("ble_bp: parse_measurement: mmHg -> values as sent, user id and status bits") {
  auto m = parse_measurement(encode(0x1E, 0x00B6, 0x0070, 0x0087, 0x0047, 0xFF, 0x0026));
  REQUIRE(m.has_value());
  CHECK(m->pressure.systolic_mmhg == 182);
  CHECK(m->pressure.diastolic_mmhg == 112);
  CHECK(m->pressure.mean_arterial_mmhg == 135);
  CHECK(m->pressure.pulse_per_min == 71);
  CHECK(m->user == 0xFF);
  CHECK_FALSE(m->quality.body_movement);
  CHECK(m->quality.irregular_pulse);
  CHECK(m->quality.device_error);  // cuff too loose (bit 1), improper position (bit 5)
}

TEST_CASE("ble_bp: parse_measurement: each status bit -> its flag only") {
  struct Case {
    std::uint16_t status;
    bool movement, irregular, error;
  };
  for (const Case& c : {Case{0x0001, true, false, false}, Case{0x0002, false, false, true},
                        Case{0x0004, false, true, false}, Case{0x0008, false, false, false},
                        Case{0x0010, false, false, false}, Case{0x0020, false, false, true},
                        Case{0xFFC0, false, false, false}}) {
    auto m = parse_measurement(encode(0x10, 0x00B6, 0x0070, 0x0087, 0, 0, c.status));
    REQUIRE(m.has_value());
    CHECK(m->quality.body_movement == c.movement);
    CHECK(m->quality.irregular_pulse == c.irregular);
    CHECK(m->quality.device_error == c.error);
  }
}

TEST_CASE(
    "ble_bp: parse_measurement: truncated at every length of every flag combination -> "
    "kTruncated") {
  for (unsigned f = 0; f < 32; ++f) {
    // kPa (bit 0): 18.2 / 11.2 kPa, so only the length can be wrong.
    const Bytes full = (f & 1) ? encode(static_cast<std::uint8_t>(f), 0xF0B6, 0xF070)
                               : encode(static_cast<std::uint8_t>(f));
    for (std::size_t n = 0; n < full.size(); ++n) {
      auto m = parse_measurement(std::span<const std::uint8_t>(full).first(n));
      REQUIRE_FALSE_MESSAGE(m.has_value(), "flags " << f << " length " << n);
      CHECK(m.error().code == Errc::kTruncated);
      CHECK(m.error().offset <= n);
    }
  }
}

TEST_CASE(
    "ble_bp: parse_measurement: systolic / diastolic special -> kOutOfRange, reserved -> "
    "kMalformed") {
  for (Special s :
       {Special::kNan, Special::kNres, Special::kPositiveInfinity, Special::kNegativeInfinity}) {
    auto sys = parse_measurement(encode(0, gatt::encode_sfloat(s)));
    REQUIRE_FALSE(sys.has_value());
    CHECK(sys.error().code == Errc::kOutOfRange);
    CHECK(sys.error().offset == 1);
    auto dia = parse_measurement(encode(0, 0x00B6, gatt::encode_sfloat(s)));
    REQUIRE_FALSE(dia.has_value());
    CHECK(dia.error().offset == 3);
  }
  for (int field = 0; field < 4; ++field) {
    const std::uint16_t r = gatt::encode_sfloat(Special::kReserved);
    auto m = parse_measurement(encode(0x04, field == 0 ? r : 0x00B6, field == 1 ? r : 0x0070,
                                      field == 2 ? r : 0x0087, field == 3 ? r : 0x0047));
    REQUIRE_FALSE(m.has_value());
    CHECK(m.error().code == Errc::kMalformed);
    CHECK(m.error().offset == std::vector<std::size_t>{1, 3, 5, 7}[field]);
  }
}

TEST_CASE("ble_bp: parse_measurement: MAP or pulse NaN / NRes / INF -> left out, never a number") {
  for (Special s :
       {Special::kNan, Special::kNres, Special::kPositiveInfinity, Special::kNegativeInfinity}) {
    auto m = parse_measurement(
        encode(0x04, 0x00B6, 0x0070, gatt::encode_sfloat(s), gatt::encode_sfloat(s)));
    REQUIRE(m.has_value());
    CHECK_FALSE(m->pressure.mean_arterial_mmhg.has_value());
    CHECK_FALSE(m->pressure.pulse_per_min.has_value());
  }
}

TEST_CASE("ble_bp: parse_measurement: implausible values -> kOutOfRange") {
  CHECK(parse_measurement(encode(0, gatt::encode_sfloat(Decimal{-1, 0}))).error().code ==
        Errc::kOutOfRange);
  CHECK(parse_measurement(encode(0, gatt::encode_sfloat(Decimal{11, 2}))).error().code ==
        Errc::kOutOfRange);  // 1100 mmHg
  CHECK(parse_measurement(encode(0x01, gatt::encode_sfloat(Decimal{140, 0}))).error().code ==
        Errc::kOutOfRange);  // 140 kPa = 1050 mmHg
  auto pulse = parse_measurement(encode(0x04, 0x00B6, 0x0070, 0x0087, 0x1065));  // 1010
  REQUIRE_FALSE(pulse.has_value());
  CHECK(pulse.error().offset == 7);
}

TEST_CASE(
    "ble_bp: parse_measurement: time stamp unknown (year 0) -> no time, bad month -> kMalformed") {
  Bytes b = encode(0x02);
  b[7] = 0;
  b[8] = 0;
  auto m = parse_measurement(b);
  REQUIRE(m.has_value());
  CHECK_FALSE(m->time.has_value());
  b = encode(0x02);
  b[9] = 13;
  auto bad = parse_measurement(b);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == Errc::kMalformed);
  CHECK(bad.error().offset == 9);
}

TEST_CASE("ble_bp: parse_measurement: trailing bytes -> kMalformed, with an RFU flag -> ignored") {
  Bytes b = encode(0x00);
  b.push_back(0x55);
  auto m = parse_measurement(b);
  REQUIRE_FALSE(m.has_value());
  CHECK(m.error().code == Errc::kMalformed);
  CHECK(m.error().offset == 7);
  for (std::uint8_t rfu : {std::uint8_t{0x20}, std::uint8_t{0x40}, std::uint8_t{0x80}}) {
    Bytes future = encode(rfu);
    future.push_back(0x55);
    auto ok = parse_measurement(future);
    REQUIRE(ok.has_value());
    CHECK(ok->pressure.systolic_mmhg == 182);
  }
}

TEST_CASE(
    "ble_bp: parse_intermediate_cuff_pressure: cuff value, NaN diastolic/MAP -> pressure only") {
  const std::uint16_t nan = gatt::encode_sfloat(Special::kNan);
  auto p = parse_intermediate_cuff_pressure(encode(0x00, 0x0064, nan, nan));
  REQUIRE(p.has_value());
  CHECK(*p == 100.0);
  auto kpa = parse_intermediate_cuff_pressure(
      encode(0x01, gatt::encode_sfloat(Decimal{100, -1}), nan, nan));
  CHECK(**kpa == 75.0);
  auto none = parse_intermediate_cuff_pressure(encode(0x00, nan, nan, nan));
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
  CHECK(parse_intermediate_cuff_pressure(Bytes{0x00, 0x64}).error().code == Errc::kTruncated);
  CHECK(parse_measurement(Bytes{}).error().code == Errc::kTruncated);
}

}  // namespace
}  // namespace kotona::drivers::ble_bp
