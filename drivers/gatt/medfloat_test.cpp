#include "drivers/gatt/medfloat.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <map>

namespace kotona::drivers::gatt {
namespace {

// Independent of medfloat.cpp: the exponent is the top nibble read as -8..7, the mantissa the
// low 12 bits read as -2048..2047, and only these five raw patterns are special (§F.8).
const std::map<std::uint16_t, Special> kSfloatSpecials{
    {0x07FF, Special::kNan},
    {0x0800, Special::kNres},
    {0x07FE, Special::kPositiveInfinity},
    {0x0802, Special::kNegativeInfinity},
    {0x0801, Special::kReserved}};

TEST_CASE("decode_sfloat: all 65536 patterns -> five specials, every other a finite number") {
  int specials = 0, numbers = 0;
  for (std::uint32_t raw = 0; raw <= 0xFFFF; ++raw) {
    const auto v = decode_sfloat(static_cast<std::uint16_t>(raw));
    const auto special = kSfloatSpecials.find(static_cast<std::uint16_t>(raw));
    if (special != kSfloatSpecials.end()) {
      REQUIRE(std::holds_alternative<Special>(v));
      CHECK(std::get<Special>(v) == special->second);
      CHECK(encode_sfloat(special->second) == raw);
      ++specials;
      continue;
    }
    REQUIRE_MESSAGE(std::holds_alternative<Decimal>(v), "raw " << raw);
    const Decimal d = std::get<Decimal>(v);
    const int exponent = static_cast<int>(raw >> 12) >= 8 ? static_cast<int>(raw >> 12) - 16
                                                          : static_cast<int>(raw >> 12);
    const int mantissa = static_cast<int>(raw & 0xFFF) >= 0x800
                             ? static_cast<int>(raw & 0xFFF) - 0x1000
                             : static_cast<int>(raw & 0xFFF);
    REQUIRE(d.exponent == exponent);
    REQUIRE(d.mantissa == mantissa);
    REQUIRE(std::isfinite(d.value()));
    REQUIRE(d.value() == doctest::Approx(mantissa * std::pow(10.0, exponent)));
    REQUIRE(encode_sfloat(d) == raw);  // round trip
    ++numbers;
  }
  CHECK(specials == 5);
  CHECK(numbers == 65531);
}

TEST_CASE("decode_sfloat: examples from the spec -> exact decimals") {
  CHECK(std::get<Decimal>(decode_sfloat(0x0002)).value() == 2.0);
  CHECK(std::get<Decimal>(decode_sfloat(0xF014)) == Decimal{20, -1});  // 2.0
  CHECK(std::get<Decimal>(decode_sfloat(0xE0C8)).value() == 2.0);     // 200e-2
  CHECK(std::get<Decimal>(decode_sfloat(0x1002)).value() == 20.0);
  CHECK(std::get<Decimal>(decode_sfloat(0xF4D2)).value() == 123.4);   // 1234e-1
  CHECK(std::get<Decimal>(decode_sfloat(0x0FFF)).value() == -1.0);
  CHECK(std::get<Decimal>(decode_sfloat(0x87FF)).value() == doctest::Approx(2047e-8));
}

TEST_CASE("decode_sfloat: special mantissas with a non-zero exponent -> numbers") {
  CHECK(std::get<Decimal>(decode_sfloat(0x17FF)) == Decimal{2047, 1});
  CHECK(std::get<Decimal>(decode_sfloat(0xF800)) == Decimal{-2048, -1});
}

TEST_CASE("decode_float: specials -> never numbers, neighbours -> numbers") {
  CHECK(std::get<Special>(decode_float(0x007FFFFF)) == Special::kNan);
  CHECK(std::get<Special>(decode_float(0x00800000)) == Special::kNres);
  CHECK(std::get<Special>(decode_float(0x007FFFFE)) == Special::kPositiveInfinity);
  CHECK(std::get<Special>(decode_float(0x00800002)) == Special::kNegativeInfinity);
  CHECK(std::get<Special>(decode_float(0x00800001)) == Special::kReserved);
  CHECK(std::get<Decimal>(decode_float(0x007FFFFD)) == Decimal{8388605, 0});
  CHECK(std::get<Decimal>(decode_float(0x00800003)) == Decimal{-8388605, 0});
  CHECK(std::get<Decimal>(decode_float(0x017FFFFF)) == Decimal{8388607, 1});
  CHECK(std::get<Decimal>(decode_float(0xFF000173)).value() == 37.1);  // 371e-1
  CHECK(std::get<Decimal>(decode_float(0x80000001)) == Decimal{1, -128});
}

TEST_CASE("decode_float: every exponent and mantissa edge -> round trip, specials only at e=0") {
  for (int e = -128; e <= 127; ++e) {
    for (std::int32_t m : {-8388608, -8388607, -8388606, -1, 0, 1, 8388606, 8388607}) {
      const Decimal d{m, static_cast<std::int8_t>(e)};
      const std::uint32_t raw = encode_float(d);
      const auto back = decode_float(raw);
      const bool special = e == 0 && (m == 8388607 || m == -8388608 || m == 8388606 ||
                                      m == -8388607 || m == -8388606);
      REQUIRE(std::holds_alternative<Special>(back) == special);
      if (!special) REQUIRE(std::get<Decimal>(back) == d);
    }
  }
  for (Special s : {Special::kNan, Special::kNres, Special::kPositiveInfinity,
                    Special::kNegativeInfinity, Special::kReserved}) {
    CHECK(std::get<Special>(decode_float(encode_float(s))) == s);
    CHECK_FALSE(to_string(s).empty());
  }
}

}  // namespace
}  // namespace kotona::drivers::gatt
