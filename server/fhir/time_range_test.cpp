#include "server/fhir/time_range.h"

#include <doctest/doctest.h>

using namespace kotona;
using namespace kotona::server::fhir;
using namespace std::chrono;

namespace {
HubTime at(int y, unsigned m, unsigned d) { return HubTime{sys_days{year{y} / month{m} / day{d}}}; }
}  // namespace

TEST_CASE("parse_time_range: dates -> start of start day, end day included") {
  auto r = parse_time_range("2026-11-01", "2026-11-23");
  REQUIRE(r.has_value());
  CHECK(r->from == at(2026, 11, 1));
  REQUIRE(r->to.has_value());
  CHECK(*r->to == at(2026, 11, 24));
  auto same = parse_time_range("2026-11-23", "2026-11-23");  // one whole day
  REQUIRE(same.has_value());
  CHECK(*same->to - same->from == hours{24});
}

TEST_CASE("parse_time_range: instants with Z, fraction or offset -> UTC") {
  auto r = parse_time_range("2026-11-23T09:16:41Z", "2026-11-23T12:00:00.5+02:00");
  REQUIRE(r.has_value());
  CHECK(r->from == at(2026, 11, 23) + hours{9} + minutes{16} + seconds{41});
  CHECK(*r->to == at(2026, 11, 23) + hours{10} + milliseconds{500});
  auto neg = parse_time_range("2026-11-23T00:30:00-01:00", std::nullopt);
  REQUIRE(neg.has_value());
  CHECK(neg->from == at(2026, 11, 23) + minutes{90});
  CHECK_FALSE(neg->to.has_value());
}

TEST_CASE("parse_time_range: absent bounds -> unbounded") {
  auto r = parse_time_range(std::nullopt, std::nullopt);
  REQUIRE(r.has_value());
  CHECK(r->from == HubTime{});
  CHECK_FALSE(r->to.has_value());
}

TEST_CASE("parse_time_range: malformed or reversed -> error naming the parameter") {
  for (const char* bad : {"", "2026", "2026-11", "2026-13-01", "2026-02-30", "2026-11-23T25:00:00Z",
                          "2026-11-23T09:00:00", "2026-11-23T09:00Z", "2026-11-23 09:00:00Z",
                          "2026-11-23T09:00:00+2:00", "2026-11-23T09:00:00.Z", "yesterday",
                          "2026-11-23T09:00:00Zjunk"}) {
    auto r = parse_time_range(std::string(bad), std::nullopt);
    CHECK_MESSAGE(!r.has_value(), bad);
    if (!r) CHECK(r.error().detail.find("start") == 0);
  }
  auto e = parse_time_range(std::nullopt, std::string("x"));
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().detail.find("end") == 0);
  auto reversed = parse_time_range("2026-11-23", "2026-11-22");
  REQUIRE_FALSE(reversed.has_value());
  CHECK(reversed.error().code == Errc::kOutOfRange);
}

TEST_CASE("fhir_instant: whole seconds without fraction, milliseconds kept") {
  CHECK(fhir_instant(at(2026, 11, 23) + hours{9} + seconds{5}) == "2026-11-23T09:00:05Z");
  CHECK(fhir_instant(at(2026, 1, 2) + milliseconds{7}) == "2026-01-02T00:00:00.007Z");
}
