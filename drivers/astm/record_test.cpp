#include "drivers/astm/record.h"

#include <doctest/doctest.h>

namespace kotona::drivers::astm {
namespace {

constexpr Delimiters kDefault{};

TEST_CASE("parse_delimiters: H|\\^& (LIS2-A2 §7.1.3) -> default delimiters") {
  auto d = parse_delimiters("H|\\^&|||X");
  REQUIRE(d.has_value());
  CHECK(*d == kDefault);
}

TEST_CASE("parse_delimiters: custom H!~@$ -> those delimiters") {
  auto d = parse_delimiters("H!~@$!!!X");
  REQUIRE(d.has_value());
  CHECK(d->field == '!');
  CHECK(d->repeat == '~');
  CHECK(d->component == '@');
  CHECK(d->escape == '$');
}

TEST_CASE("parse_delimiters: not H, short, repeated or alphanumeric -> errors") {
  CHECK(parse_delimiters("P|1").error().code == Errc::kMalformed);
  CHECK(parse_delimiters("H|\\^").error().code == Errc::kTruncated);
  CHECK(parse_delimiters("H||^&").error().code == Errc::kMalformed);
  CHECK(parse_delimiters("H|A^&").error().code == Errc::kMalformed);
  CHECK(parse_delimiters("").error().code == Errc::kMalformed);
}

TEST_CASE("parse_record: R record -> fields numbered as in LIS2-A2 §10") {
  auto r = parse_record("R|1|^^^SYS|182|mmHg||H||F||||20261122101500\r", kDefault);
  REQUIRE(r.has_value());
  CHECK(r->type == 'R');
  CHECK(r->field_count() == 13);
  CHECK(r->component(2) == "1");
  CHECK(r->component(3, 4) == "SYS");
  CHECK(r->component(4) == "182");
  CHECK(r->component(7) == "H");
  CHECK(r->component(9) == "F");
  CHECK(r->component(13) == "20261122101500");
  CHECK(r->component(14).empty());
  CHECK(r->component(3, 9).empty());
}

TEST_CASE("parse_record: H record -> delimiter field kept verbatim") {
  auto r = parse_record("H|\\^&|||Acme^BP1^SN1^1.0", kDefault);
  REQUIRE(r.has_value());
  CHECK(r->component(2) == "\\^&");
  CHECK(r->component(5, 3) == "SN1");
}

TEST_CASE("parse_record: repeats -> separate repeats") {
  auto r = parse_record("O|1|a\\b^c", kDefault);
  REQUIRE(r.has_value());
  CHECK(r->component(3, 1, 1) == "a");
  CHECK(r->component(3, 1, 2) == "b");
  CHECK(r->component(3, 2, 2) == "c");
  CHECK(r->component(3, 1, 3).empty());
}

TEST_CASE("parse_record: escapes &F& &S& &R& &E& (§7.1.4) -> delimiter characters") {
  auto r = parse_record("C|1|I|a&F&b&S&c&R&d&E&e", kDefault);
  REQUIRE(r.has_value());
  CHECK(r->component(4) == "a|b^c\\d&e");
}

TEST_CASE("parse_record: unknown escape &H& -> kept verbatim") {
  auto r = parse_record("C|1|I|x&H&y", kDefault);
  REQUIRE(r.has_value());
  CHECK(r->component(4) == "x&H&y");
}

TEST_CASE("parse_record: unterminated escape -> kTruncated at the escape") {
  auto r = parse_record("C|1|I|ab&F", kDefault);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == Errc::kTruncated);
  CHECK(r.error().offset == 8);
}

TEST_CASE("parse_record: custom delimiters -> split and unescaped with them") {
  const Delimiters d{'!', '~', '@', '$'};
  auto r = parse_record("R!1!@@@DIA!112!mmHg!!$F$x", d);
  REQUIRE(r.has_value());
  CHECK(r->component(3, 4) == "DIA");
  CHECK(r->component(7) == "!x");
}

TEST_CASE("parse_record: empty text or lone CR -> kTruncated") {
  CHECK(parse_record("", kDefault).error().code == Errc::kTruncated);
  CHECK(parse_record("\r", kDefault).error().code == Errc::kTruncated);
}

TEST_CASE("parse_record: record types H P O R C L -> accepted, Q and M -> kUnsupported") {
  for (const char* text : {"H|\\^&", "P|1", "O|1", "R|1", "C|1", "L|1|N"}) {
    CAPTURE(text);
    CHECK(parse_record(text, kDefault).has_value());
  }
  CHECK(parse_record("Q|1", kDefault).error().code == Errc::kUnsupported);
  CHECK(parse_record("M|1", kDefault).error().code == Errc::kUnsupported);
}

TEST_CASE("parse_record: two-character type field -> kMalformed") {
  CHECK(parse_record("RX|1", kDefault).error().code == Errc::kMalformed);
}

TEST_CASE("parse_record: type only -> one field") {
  auto r = parse_record("L", kDefault);
  REQUIRE(r.has_value());
  CHECK(r->field_count() == 1);
}

}  // namespace
}  // namespace kotona::drivers::astm
