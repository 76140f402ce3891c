#include "core/text.h"

#include <doctest/doctest.h>

#include <array>

namespace kotona {
namespace {

using namespace std::chrono_literals;

TEST_CASE("to_hex: two lower-case digits a byte, empty -> empty") {
  const std::array<std::uint8_t, 4> bytes{0x00, 0x0a, 0xf0, 0xff};
  CHECK(to_hex(bytes) == "000af0ff");
  CHECK(to_hex({}) == "");
}

TEST_CASE("html_escape: markup and both quotes escaped, other text and UTF-8 kept") {
  CHECK(html_escape("<b>\"Ä&Ö\"</b> O'Neill") ==
        "&lt;b&gt;&quot;Ä&amp;Ö&quot;&lt;/b&gt; O&#39;Neill");
  CHECK(html_escape("") == "");
}

TEST_CASE("text: Retry-After, delta seconds read, anything else refused") {
  CHECK(parse_retry_after("120") == 120s);
  CHECK(parse_retry_after("0") == 0s);
  CHECK_FALSE(parse_retry_after(""));
  CHECK_FALSE(parse_retry_after("-5"));
  CHECK_FALSE(parse_retry_after("1.5"));
  CHECK_FALSE(parse_retry_after(" 30"));
  CHECK_FALSE(parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT"));
  CHECK_FALSE(parse_retry_after("99999999999999999999"));
  // The record push reads at most 6 digits (server/record/http_post.cpp).
  CHECK(parse_retry_after("999999", 6) == 999999s);
  CHECK_FALSE(parse_retry_after("1000000", 6));
}

}  // namespace
}  // namespace kotona
