#include "drivers/gatt/racp.h"

#include <doctest/doctest.h>

namespace kotona::drivers::gatt::racp {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST_CASE("racp requests: GLS §3.3 byte layouts") {
  CHECK(report_all() == Bytes{0x01, 0x01});
  CHECK(report_from(0x1234) == Bytes{0x01, 0x03, 0x01, 0x34, 0x12});
  CHECK(report_last() == Bytes{0x01, 0x06});
  CHECK(report_one(0x1234) == Bytes{0x01, 0x04, 0x01, 0x34, 0x12, 0x34, 0x12});
  CHECK(count_all() == Bytes{0x04, 0x01});
  CHECK(count_from(7) == Bytes{0x04, 0x03, 0x01, 0x07, 0x00});
  CHECK(abort_operation() == Bytes{0x03, 0x00});
}

TEST_CASE("parse_indication: number of records -> count") {
  auto v = parse_indication(Bytes{0x05, 0x00, 0x2C, 0x01});
  REQUIRE(v.has_value());
  CHECK(std::get<NumberOfRecords>(*v).count == 300);
}

TEST_CASE("parse_indication: every response code -> kept with its name") {
  for (std::uint8_t code = 1; code <= 9; ++code) {
    auto v = parse_indication(Bytes{0x06, 0x00, 0x01, code});
    REQUIRE(v.has_value());
    const auto& r = std::get<Response>(*v);
    CHECK(r.request_op_code == 1);
    CHECK(static_cast<std::uint8_t>(r.code) == code);
    CHECK(to_string(r.code) != "unknown response code");
  }
  auto odd = parse_indication(Bytes{0x06, 0x00, 0x01, 0x42});
  REQUIRE(odd.has_value());
  CHECK(to_string(std::get<Response>(*odd).code) == "unknown response code");
}

TEST_CASE("parse_indication: truncated at every length, bad op/operator, trailing -> errors") {
  const Bytes full{0x06, 0x00, 0x01, 0x01};
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto v = parse_indication(std::span<const std::uint8_t>(full).first(n));
    REQUIRE_FALSE(v.has_value());
    CHECK(v.error().code == Errc::kTruncated);
    CHECK(v.error().offset == n);
  }
  CHECK(parse_indication(Bytes{0x01, 0x01}).error().code == Errc::kMalformed);
  CHECK(parse_indication(Bytes{0x06, 0x01, 0x01, 0x01}).error().offset == 1);
  auto trailing = parse_indication(Bytes{0x05, 0x00, 0x01, 0x00, 0xFF});
  REQUIRE_FALSE(trailing.has_value());
  CHECK(trailing.error().code == Errc::kMalformed);
  CHECK(trailing.error().offset == 4);
}

}  // namespace
}  // namespace kotona::drivers::gatt::racp
