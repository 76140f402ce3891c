// The STYLE.md §7 list for parse_measurement: empty, truncated at each field boundary, each flag
// bit, special values, reserved bits, trailing bytes, maximum length, a captured value.
#include "drivers/acme_thermo/parse.h"

#include <doctest/doctest.h>

#include <vector>

namespace kotona::drivers::acme_thermo {
namespace {

using namespace std::chrono;
using Bytes = std::vector<std::uint8_t>;

// 36.85 degC at 2026-11-22 07:30:00: the longest value (flags, temperature, time stamp).
const Bytes kFull{0x01, 0x65, 0x0E, 0xEA, 0x07, 0x0B, 0x16, 0x07, 0x1E, 0x00};

TEST_CASE("acme_thermo: parse_measurement: time stamp -> celsius and device time") {
  auto m = parse_measurement(kFull);
  REQUIRE(m);
  CHECK(m->temperature.celsius == doctest::Approx(36.85));
  CHECK(m->time == DeviceTime{sys_days{2026y / 11 / 22} + 7h + 30min});
}

TEST_CASE("acme_thermo: parse_measurement: no time stamp flag -> no device time") {
  auto m = parse_measurement(Bytes{0x00, 0x65, 0x0E});
  REQUIRE(m);
  CHECK_FALSE(m->time);
}

TEST_CASE("acme_thermo: parse_measurement: empty and cut at each field -> kTruncated at it") {
  CHECK(parse_measurement(Bytes{}).error().code == Errc::kTruncated);
  for (std::size_t size : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{9}}) {
    CAPTURE(size);
    auto m = parse_measurement(std::span(kFull).first(size));
    REQUIRE_FALSE(m);
    CHECK(m.error().code == Errc::kTruncated);
  }
}

TEST_CASE("acme_thermo: parse_measurement: no value, implausible -> kOutOfRange, never a number") {
  CHECK(parse_measurement(Bytes{0x00, 0x00, 0x80}).error().code == Errc::kOutOfRange);
  CHECK(parse_measurement(Bytes{0x00, 0xCF, 0x07}).error().code == Errc::kOutOfRange);  // 19.99
  CHECK(parse_measurement(Bytes{0x00, 0x94, 0x11}));                                    // 45.00
  CHECK(parse_measurement(Bytes{0x00, 0x95, 0x11}).error().code == Errc::kOutOfRange);  // 45.01
}

TEST_CASE("acme_thermo: parse_measurement: reserved bits, trailing bytes, bad date -> kMalformed") {
  CHECK(parse_measurement(Bytes{0x02, 0x65, 0x0E}).error().code == Errc::kMalformed);
  Bytes trailing = kFull;
  trailing.push_back(0x00);
  CHECK(parse_measurement(trailing).error().code == Errc::kMalformed);
  Bytes bad_month = kFull;
  bad_month[5] = 13;
  CHECK_FALSE(parse_measurement(bad_month));
}

}  // namespace
}  // namespace kotona::drivers::acme_thermo
