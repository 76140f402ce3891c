#include "drivers/gatt/byte_reader.h"

#include <doctest/doctest.h>

#include <vector>

#include "drivers/gatt/date_time.h"

namespace kotona::drivers::gatt {
namespace {

TEST_CASE("ByteReader: little-endian fields -> values, offsets advance") {
  const std::vector<std::uint8_t> b{0x01, 0x34, 0x12, 0xFE, 0xFF, 0x56, 0x34, 0x12,
                                    0x78, 0x56, 0x34, 0x12, 0x72, 0xF0};
  ByteReader r(b);
  CHECK(*r.u8("a") == 1);
  CHECK(*r.u16le("b") == 0x1234);
  CHECK(*r.s16le("c") == -2);
  CHECK(*r.u24le("d") == 0x123456);
  CHECK(*r.u32le("e") == 0x12345678);
  CHECK(std::get<Decimal>(*r.sfloat("f")) == Decimal{114, -1});
  CHECK(r.remaining() == 0);
  CHECK(r.expect_end("all").has_value());
}

TEST_CASE("ByteReader: short input -> kTruncated at the field start, nothing consumed") {
  const std::vector<std::uint8_t> b{0x01, 0x02, 0x03};
  ByteReader r(b);
  CHECK(*r.u8("flags") == 1);
  auto v = r.u32le("big");
  REQUIRE_FALSE(v.has_value());
  CHECK(v.error().code == Errc::kTruncated);
  CHECK(v.error().offset == 1);
  CHECK(v.error().detail == "big: needs 4 bytes, 2 left");
  CHECK(r.offset() == 1);
  auto end = r.expect_end("flags");
  REQUIRE_FALSE(end.has_value());
  CHECK(end.error().code == Errc::kMalformed);
  CHECK(end.error().offset == 1);
}

const std::vector<std::uint8_t> kDateTime{0xEA, 0x07, 11, 22, 10, 15, 30};  // 2026-11-22 10:15:30

TEST_CASE("read_date_time: GSS Date Time -> device time as if UTC") {
  ByteReader r(kDateTime);
  auto t = read_date_time(r);
  REQUIRE(t.has_value());
  using namespace std::chrono;
  CHECK(*t == DeviceTime{sys_days{2026y / 11 / 22} + 10h + 15min + 30s});
}

TEST_CASE("read_date_time: truncated at every length -> kTruncated at 0") {
  for (std::size_t n = 0; n < kDateTime.size(); ++n) {
    ByteReader r(std::span<const std::uint8_t>(kDateTime).first(n));
    auto t = read_date_time(r);
    REQUIRE_FALSE(t.has_value());
    CHECK(t.error().code == Errc::kTruncated);
    CHECK(t.error().offset == 0);
  }
}

TEST_CASE("read_date_time: each field out of range -> kMalformed at that byte") {
  const std::vector<std::pair<std::size_t, std::uint8_t>> bad{
      {2, 13}, {3, 32}, {4, 24}, {5, 60}, {6, 60}};
  for (auto [at, value] : bad) {
    auto b = kDateTime;
    b[at] = value;
    ByteReader r(b);
    auto t = read_date_time(r);
    REQUIRE_FALSE(t.has_value());
    CHECK(t.error().code == Errc::kMalformed);
    CHECK(t.error().offset == at);
  }
  auto feb30 = kDateTime;
  feb30[2] = 2;
  feb30[3] = 30;
  ByteReader r(feb30);
  CHECK(read_date_time(r).error().code == Errc::kMalformed);
  auto old = kDateTime;
  old[0] = 0x2D;  // 1581
  old[1] = 0x06;
  ByteReader r2(old);
  CHECK(read_date_time(r2).error().code == Errc::kMalformed);
}

TEST_CASE("read_date_time: year, month or day 0 (not known) -> kOutOfRange, 7 bytes read") {
  for (std::size_t at : {0, 2, 3}) {
    auto b = kDateTime;
    b[at] = 0;
    if (at == 0) b[1] = 0;
    ByteReader r(b);
    auto t = read_date_time(r);
    REQUIRE_FALSE(t.has_value());
    CHECK(t.error().code == Errc::kOutOfRange);
    CHECK(r.offset() == 7);
  }
}

TEST_CASE("current time: encode then parse -> same time, weekday and adjust reason") {
  using namespace std::chrono;
  const DeviceTime t{sys_days{2026y / 11 / 22} + 10h + 15min + 30s};  // a Sunday
  const auto bytes = encode_current_time(t);
  REQUIRE(bytes.size() == 10);
  CHECK(bytes[7] == 7);
  CHECK(bytes[9] == kAdjustExternalReference);
  auto back = parse_current_time(bytes);
  REQUIRE(back.has_value());
  CHECK(back->time == t);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    CHECK(parse_current_time(std::span<const std::uint8_t>(bytes).first(n)).error().code == Errc::kTruncated);
  }
  auto bad_weekday = bytes;
  bad_weekday[7] = 8;
  CHECK(parse_current_time(bad_weekday).error().offset == 7);
}

}  // namespace
}  // namespace kotona::drivers::gatt
