#include "drivers/ble_pulse_ox/parse.h"

#include <doctest/doctest.h>

#include <vector>

#include "drivers/gatt/medfloat.h"

namespace kotona::drivers::ble_pulse_ox {
namespace {

using namespace std::chrono;
using Bytes = std::vector<std::uint8_t>;
using gatt::Decimal;
using gatt::Special;

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v & 0xFF));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}

// Spot-check from the GSS layout: SpO2 97 %, PR 72, 2026-11-22 10:15, status, device status.
Bytes spot(std::uint8_t flags, std::uint16_t spo2 = 97, std::uint16_t pr = 72,
           std::uint16_t status = 0x0180, std::uint32_t device = 0) {
  Bytes b{flags};
  put16(b, spo2);
  put16(b, pr);
  if (flags & 0x01) b.insert(b.end(), {0xEA, 0x07, 11, 22, 10, 15, 0});
  if (flags & 0x02) put16(b, status);
  if (flags & 0x04) {
    put16(b, static_cast<std::uint16_t>(device & 0xFFFF));
    b.push_back(static_cast<std::uint8_t>(device >> 16));
  }
  if (flags & 0x08) put16(b, 0xF032);  // PAI 5.0 %
  return b;
}

Bytes continuous(std::uint8_t flags, std::uint16_t spo2 = 95, std::uint16_t status = 0x0020,
                 std::uint32_t device = 0) {
  Bytes b{flags};
  put16(b, spo2);
  put16(b, 80);
  if (flags & 0x01) {
    put16(b, 94);
    put16(b, 81);
  }
  if (flags & 0x02) {
    put16(b, 96);
    put16(b, 79);
  }
  if (flags & 0x04) put16(b, status);
  if (flags & 0x08) {
    put16(b, static_cast<std::uint16_t>(device & 0xFFFF));
    b.push_back(static_cast<std::uint8_t>(device >> 16));
  }
  if (flags & 0x10) put16(b, 0xF032);
  return b;
}

TEST_CASE(
    "ble_pulse_ox: parse_spot_check: each of the 32 flag combinations -> fields, truncation at "
    "each length") {
  for (unsigned f = 0; f < 32; ++f) {
    const Bytes full = spot(static_cast<std::uint8_t>(f));
    auto m = parse_spot_check(full);
    REQUIRE_MESSAGE(m.has_value(), "flags " << f);
    CHECK(m->spo2.percent == 97);
    CHECK(m->spo2.pulse_per_min == 72);
    CHECK(m->time.has_value() == bool(f & 0x01));
    CHECK(m->quality.clock_suspect == bool(f & 0x10));
    for (std::size_t n = 0; n < full.size(); ++n) {
      auto t = parse_spot_check(std::span<const std::uint8_t>(full).first(n));
      REQUIRE_FALSE(t.has_value());
      CHECK(t.error().code == Errc::kTruncated);
    }
  }
  CHECK(*parse_spot_check(spot(0x01))->time == sys_days{2026y / 11 / 22} + 10h + 15min);
}

TEST_CASE(
    "ble_pulse_ox: parse_continuous: each of the 32 flag combinations -> Normal pair, truncation") {
  for (unsigned f = 0; f < 32; ++f) {
    const Bytes full = continuous(static_cast<std::uint8_t>(f));
    auto m = parse_continuous(full);
    REQUIRE_MESSAGE(m.has_value(), "flags " << f);
    CHECK(m->spo2.percent == 95);
    CHECK(m->spo2.pulse_per_min == 80);
    CHECK_FALSE(m->time.has_value());
    for (std::size_t n = 0; n < full.size(); ++n) {
      CHECK(parse_continuous(std::span<const std::uint8_t>(full).first(n)).error().code ==
            Errc::kTruncated);
    }
  }
}

TEST_CASE(
    "ble_pulse_ox: parse_spot_check: each measurement status bit -> its flag, unavailable / "
    "invalid rejected") {
  for (unsigned bit = 0; bit < 16; ++bit) {
    CAPTURE(bit);
    auto m = parse_spot_check(spot(0x02, 97, 72, static_cast<std::uint16_t>(1u << bit)));
    if (bit == 13 || bit == 15) {
      REQUIRE_FALSE(m.has_value());
      CHECK(m.error().code == Errc::kOutOfRange);
      CHECK(m.error().offset == 5);
      continue;
    }
    REQUIRE(m.has_value());
    CHECK(m->quality.device_error == (bit == 6 || bit == 12 || bit == 14));
    CHECK(m->quality.control_result == (bit == 10 || bit == 11));
  }
}

TEST_CASE(
    "ble_pulse_ox: parse_continuous: each device and sensor status bit -> device_error as listed") {
  for (unsigned bit = 0; bit < 24; ++bit) {
    auto m = parse_continuous(continuous(0x08, 95, 0, 1u << bit));
    REQUIRE(m.has_value());
    CHECK_MESSAGE(m->quality.device_error == (bit >= 1 && bit <= 15 && bit != 9), "bit " << bit);
  }
}

TEST_CASE(
    "ble_pulse_ox: parse: SpO2 special -> kOutOfRange, pulse special -> left out, reserved -> "
    "kMalformed") {
  for (Special s :
       {Special::kNan, Special::kNres, Special::kPositiveInfinity, Special::kNegativeInfinity}) {
    auto m = parse_spot_check(spot(0, gatt::encode_sfloat(s)));
    REQUIRE_FALSE(m.has_value());
    CHECK(m.error().code == Errc::kOutOfRange);
    CHECK(m.error().offset == 1);
    auto c = parse_continuous(continuous(0, gatt::encode_sfloat(s)));
    CHECK(c.error().code == Errc::kOutOfRange);
    auto p = parse_spot_check(spot(0, 97, gatt::encode_sfloat(s)));
    REQUIRE(p.has_value());
    CHECK_FALSE(p->spo2.pulse_per_min.has_value());
  }
  const auto reserved = gatt::encode_sfloat(Special::kReserved);
  CHECK(parse_spot_check(spot(0, reserved)).error().code == Errc::kMalformed);
  CHECK(parse_spot_check(spot(0, 97, reserved)).error().code == Errc::kMalformed);
}

TEST_CASE("ble_pulse_ox: parse: implausible values, trailing bytes, RFU flags, empty") {
  CHECK(parse_spot_check(spot(0, 101)).error().code == Errc::kOutOfRange);
  CHECK(parse_spot_check(spot(0, 97, 351)).error().code == Errc::kOutOfRange);
  Bytes b = spot(0);
  b.push_back(0);
  CHECK(parse_spot_check(b).error().code == Errc::kMalformed);
  Bytes future = spot(0x20);
  future.push_back(0);
  CHECK(parse_spot_check(future).has_value());
  Bytes c = continuous(0);
  c.push_back(0);
  CHECK(parse_continuous(c).error().code == Errc::kMalformed);
  CHECK(parse_spot_check(Bytes{}).error().code == Errc::kTruncated);
  CHECK(parse_continuous(Bytes{}).error().code == Errc::kTruncated);
}

}  // namespace
}  // namespace kotona::drivers::ble_pulse_ox
