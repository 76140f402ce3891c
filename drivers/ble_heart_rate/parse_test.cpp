// The STYLE.md §7 list for parse_measurement: empty, truncated at each field boundary, each flag
// bit, special values, reserved bits, trailing bytes, maximum length, a captured value.
#include "drivers/ble_heart_rate/parse.h"

#include <doctest/doctest.h>

#include <vector>

namespace kotona::drivers::ble_heart_rate {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Every field: uint16 rate 72, contact detected, 1234 kJ, RR 1024/1024 s and 820/1024 s.
const Bytes kFull{0x1F, 0x48, 0x00, 0xD2, 0x04, 0x00, 0x04, 0x34, 0x03};

TEST_CASE("ble_heart_rate: parse_measurement: uint8 rate, no options -> the rate only") {
  auto m = parse_measurement(Bytes{0x00, 0x48});
  REQUIRE(m);
  CHECK(m->beats_per_min == 72);
  CHECK(m->contact == Contact::kNotSupported);
  CHECK_FALSE(m->energy_expended_kj);
  CHECK(m->rr_intervals_s.empty());
}

TEST_CASE("ble_heart_rate: parse_measurement: every flag bit -> each field read") {
  auto m = parse_measurement(kFull);
  REQUIRE(m);
  CHECK(m->beats_per_min == 72);
  CHECK(m->contact == Contact::kDetected);
  CHECK(m->energy_expended_kj == 1234);
  REQUIRE(m->rr_intervals_s.size() == 2);
  CHECK(m->rr_intervals_s[0] == doctest::Approx(1.0));
  CHECK(m->rr_intervals_s[1] == doctest::Approx(820.0 / 1024));
  CHECK(parse_measurement(Bytes{0x01, 0x2C, 0x01})->beats_per_min == 300);  // uint16 format
  CHECK(parse_measurement(Bytes{0x04, 0x00})->contact == Contact::kNotDetected);
  CHECK(parse_measurement(Bytes{0x06, 0x48})->contact == Contact::kDetected);
}

TEST_CASE("ble_heart_rate: parse_measurement: empty and cut at each field -> kTruncated at it") {
  CHECK(parse_measurement(Bytes{}).error().code == Errc::kTruncated);
  for (std::size_t size : {1, 2, 3, 4, 5, 6, 8}) {
    CAPTURE(size);
    auto m = parse_measurement(std::span(kFull).first(size));
    REQUIRE_FALSE(m);
    CHECK(m.error().code == Errc::kTruncated);
  }
  // The RR flag promises one or more intervals.
  CHECK(parse_measurement(Bytes{0x10, 0x48}).error().code == Errc::kTruncated);
}

TEST_CASE("ble_heart_rate: parse_measurement: special values -> read as the spec says") {
  // No special value for the rate: 0 is passed on and the server's limits flag it implausible.
  CHECK(parse_measurement(Bytes{0x00, 0x00})->beats_per_min == 0);
  // 0xFFFF energy means "at least 65535 kJ": kept as the device sent it.
  CHECK(parse_measurement(Bytes{0x08, 0x48, 0xFF, 0xFF})->energy_expended_kj == 0xFFFF);
}

TEST_CASE("ble_heart_rate: parse_measurement: reserved bits, trailing bytes -> kMalformed") {
  for (int bit : {0x20, 0x40, 0x80}) {
    CAPTURE(bit);
    CHECK(parse_measurement(Bytes{static_cast<std::uint8_t>(bit), 0x48}).error().code ==
          Errc::kMalformed);
  }
  CHECK(parse_measurement(Bytes{0x00, 0x48, 0x00}).error().code == Errc::kMalformed);
}

TEST_CASE("ble_heart_rate: parse_measurement: maximum length (20 bytes, 9 RR) -> all read") {
  Bytes max{0x10, 0x48};
  for (int i = 0; i < 9; ++i) max.insert(max.end(), {0x00, 0x04});
  REQUIRE(max.size() == 20);
  auto m = parse_measurement(max);
  REQUIRE(m);
  CHECK(m->rr_intervals_s.size() == 9);
}

}  // namespace
}  // namespace kotona::drivers::ble_heart_rate
