#include "core/text.h"

#include <doctest/doctest.h>

#include <array>

namespace kotona {
namespace {

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

}  // namespace
}  // namespace kotona
