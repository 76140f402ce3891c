#include "drivers/astm/value.h"

#include <doctest/doctest.h>

using namespace kotona;
using namespace kotona::drivers::astm;

namespace {

const MeasuringRange kInrRange{0.8, 8.0};

RangedValue ok(std::string_view text, std::string_view flag = "") {
  auto v = parse_ranged_value(text, flag, kInrRange);
  REQUIRE_MESSAGE(v.has_value(), text, " flag ", flag);
  return *v;
}

}  // namespace

TEST_CASE("parse_ranged_value: plain number, reference flags -> exact value") {
  CHECK(ok("2.6") == RangedValue{2.6, Comparator::kNone});
  for (auto flag : {"N", "L", "H", "LL", "HH", "A", "U", "D", "B", "W"}) {
    CAPTURE(flag);
    CHECK(ok("9.5", flag) == RangedValue{9.5, Comparator::kNone});
  }
}

TEST_CASE("parse_ranged_value: '<' / '>' prefix -> the limit with its comparator") {
  CHECK(ok(">8.0") == RangedValue{8.0, Comparator::kAboveRange});
  CHECK(ok("<0.8") == RangedValue{0.8, Comparator::kBelowRange});
  CHECK(ok(">8.0", ">") == RangedValue{8.0, Comparator::kAboveRange});  // both say the same
  CHECK(ok(">8.0", "HH") == RangedValue{8.0, Comparator::kAboveRange});
}

TEST_CASE("parse_ranged_value: HI / LO text -> the device's range limit") {
  CHECK(ok("HI") == RangedValue{8.0, Comparator::kAboveRange});
  CHECK(ok("Hi") == RangedValue{8.0, Comparator::kAboveRange});
  CHECK(ok("HIGH") == RangedValue{8.0, Comparator::kAboveRange});
  CHECK(ok("LO") == RangedValue{0.8, Comparator::kBelowRange});
  CHECK(ok("lo") == RangedValue{0.8, Comparator::kBelowRange});
  CHECK(ok("HI", ">") == RangedValue{8.0, Comparator::kAboveRange});
}

TEST_CASE("parse_ranged_value: R.7 '<' / '>' on a number -> off-scale comparator") {
  CHECK(ok("8.0", ">") == RangedValue{8.0, Comparator::kAboveRange});
  CHECK(ok("0.8", "<") == RangedValue{0.8, Comparator::kBelowRange});
}

TEST_CASE("parse_ranged_value: number beyond the range without indicator -> kept as is") {
  CHECK(ok("12.5") == RangedValue{12.5, Comparator::kNone});
}

TEST_CASE("parse_ranged_value: garbage, unknown flag, contradiction -> kMalformed") {
  for (auto text : {"", "-1", "1e3", "8,0", ">", "<<1", ">-1", "HI!", "HIGHER", "nan", "inf"}) {
    CAPTURE(text);
    auto v = parse_ranged_value(text, "", kInrRange);
    REQUIRE_FALSE(v.has_value());
    CHECK(v.error().code == Errc::kMalformed);
  }
  CHECK_FALSE(parse_ranged_value("2.0", "X", kInrRange).has_value());
  CHECK_FALSE(parse_ranged_value("<0.8", ">", kInrRange).has_value());
  CHECK_FALSE(parse_ranged_value("HI", "<", kInrRange).has_value());
  CHECK_FALSE(parse_ranged_value("LO", ">", kInrRange).has_value());
}
