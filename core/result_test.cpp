#include "core/result.h"

#include <doctest/doctest.h>

using namespace kotona;

namespace {
Result<int> half(int x) {
  if (x % 2 != 0) return fail(Errc::kOutOfRange, 3, "odd");
  return x / 2;
}
}  // namespace

TEST_CASE("Result: value and error paths") {
  auto ok = half(4);
  REQUIRE(ok);
  CHECK(*ok == 2);
  auto bad = half(3);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == Errc::kOutOfRange);
  CHECK(describe(bad.error()) == "out_of_range at byte 3: odd");
  CHECK(bad.value_or(-1) == -1);
}
