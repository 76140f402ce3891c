#include "core/henkilotunnus.h"

#include <doctest/doctest.h>

using namespace kotona;

TEST_CASE("parse_henkilotunnus: the published example 131052-308T -> valid, born 1952-10-13") {
  auto h = parse_henkilotunnus("131052-308T");
  REQUIRE(h.has_value());
  CHECK(h->birth_year == 1952);
  CHECK(h->birth_month == 10);
  CHECK(h->birth_day == 13);
  CHECK(h->text == "131052-308T");
}

TEST_CASE("parse_henkilotunnus: every century sign, 2023 additions included -> century") {
  // Same date and individual number: the check character does not depend on the sign.
  for (char sign : std::string("-YXWVU")) {
    CHECK(parse_henkilotunnus(std::string("010594") + sign + "9032")->birth_year == 1994);
  }
  for (char sign : std::string("ABCDEF")) {
    CHECK(parse_henkilotunnus(std::string("290200") + sign + "4561")->birth_year == 2000);
  }
  CHECK(parse_henkilotunnus("010101+002S")->birth_year == 1801);
}

TEST_CASE("parse_henkilotunnus: wrong check character, length, sign, date, number -> kMalformed") {
  const char* bad[] = {
      "131052-308U",   // check character off by one
      "131052-308",    // too short
      "131052-308TT",  // too long
      "",              //
      "131052Z308T",   // unknown century sign
      "131052G308T",   // G is not a sign
      "1310a2-308T",   // letter in the date
      "131052-3a8T",   // letter in the individual number
      "131352-308T",   // month 13 (check character recomputed would not matter)
      "300200A4561",   // 30 February
      "290201A4561",   // 29 February in a common year
      "010101+001S",   // individual number 001 is not used
      "131052-308t",   // lower case check character
  };
  for (const char* text : bad) {
    CAPTURE(text);
    auto h = parse_henkilotunnus(text);
    REQUIRE_FALSE(h.has_value());
    CHECK(h.error().code == Errc::kMalformed);
    // The error never repeats the code (it is sensitive and errors reach logs).
    if (std::string(text).size() >= 6) {
      CHECK(h.error().detail.find(std::string(text).substr(0, 6)) == std::string::npos);
    }
  }
}

TEST_CASE("parse_henkilotunnus: leap day 2000 and a temporary 9xx number -> valid") {
  CHECK(parse_henkilotunnus("290200A4561").has_value());
  CHECK(parse_henkilotunnus("150660B9001").has_value());
}

TEST_CASE("masked_henkilotunnus: birth date and century sign kept, the rest hidden") {
  auto h = parse_henkilotunnus("131052-308T");
  REQUIRE(h);
  CHECK(masked_henkilotunnus(*h) == "131052-****");
}

TEST_CASE("age_on: around the birthday, a leap-day birth, before birth -> completed years") {
  using namespace std::chrono;
  auto h = parse_henkilotunnus("131052-308T").value();  // born 1952-10-13
  CHECK(age_on(h, 2026y / October / 12d) == 73);
  CHECK(age_on(h, 2026y / October / 13d) == 74);
  CHECK(age_on(h, 2026y / December / 6d) == 74);
  CHECK(age_on(h, 1950y / January / 1d) == 0);
  auto leap = parse_henkilotunnus("290200A4561");
  REQUIRE(leap);
  CHECK(age_on(*leap, 2023y / February / 28d) == 22);
  CHECK(age_on(*leap, 2023y / March / 1d) == 23);
}
