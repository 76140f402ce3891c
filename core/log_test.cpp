// escape_for_log / log_quote: one case per kind of text that could forge, split or hide a log
// line (issue 13: a reading_uid with a newline forged a whole log line).
#include "core/log.h"

#include <doctest/doctest.h>

#include <string>

using kotona::escape_for_log;
using kotona::log_quote;

namespace {
std::string field(std::string_view s) { return escape_for_log(s, true, 256); }
std::string message(std::string_view s) { return escape_for_log(s, false, 8192); }
}  // namespace

TEST_CASE("escape_for_log: plain ASCII and UTF-8 text -> unchanged") {
  CHECK(field("gw-demo-0001/BPSIM0002/bp/28") == "gw-demo-0001/BPSIM0002/bp/28");
  CHECK(field("Päivi Äijälä \u20ac") == "Päivi Äijälä \u20ac");
  CHECK(field("\xF0\x9F\x98\x80") == "\xF0\x9F\x98\x80");  // 4-byte sequence (U+1F600)
}

TEST_CASE("escape_for_log: newline -> \\n, the forged line stays inside the field") {
  auto out = field("uid-1\n2026-12-06T00:00:00.000Z ERROR ingest: forged");
  CHECK(out == "uid-1\\n2026-12-06T00:00:00.000Z ERROR ingest: forged");
  CHECK(out.find('\n') == std::string::npos);
  CHECK(message("a\nb") == "a\\nb");
}

TEST_CASE("escape_for_log: carriage return and tab -> \\r, \\t") {
  CHECK(field("a\rb") == "a\\rb");
  CHECK(field("a\tb") == "a\\tb");
  CHECK(message("a\r\nb") == "a\\r\\nb");
}

TEST_CASE("escape_for_log: other C0 controls, NUL and DEL -> \\xHH") {
  CHECK(field(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(field("\x1b[31mred") == "\\x1b[31mred");  // terminal escape sequence
  CHECK(field("\x7f") == "\\x7f");
  CHECK(field("\x0b\x0c") == "\\x0b\\x0c");  // vertical tab, form feed
}

TEST_CASE("escape_for_log: C1 controls and Unicode line separators -> \\u{HHHH}") {
  CHECK(field("a\xC2\x85z") == "a\\u{0085}z");  // NEL
  CHECK(field("\xC2\x9b") == "\\u{009b}");      // CSI
  CHECK(field("a\xE2\x80\xA8z") == "a\\u{2028}z");
  CHECK(field("a\xE2\x80\xA9z") == "a\\u{2029}z");
  CHECK(field("\xC2\xA0") == "\xC2\xA0");  // U+00A0 is printable: kept
}

TEST_CASE("escape_for_log: bytes that are not UTF-8 -> \\xHH each") {
  CHECK(field("\xff\xfe") == "\\xff\\xfe");
  CHECK(field("a\xC3") == "a\\xc3");                           // truncated sequence
  CHECK(field("\xC0\xAF") == "\\xc0\\xaf");                    // overlong '/'
  CHECK(field("\xED\xA0\x80") == "\\xed\\xa0\\x80");           // UTF-16 surrogate
  CHECK(field("\xF4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  CHECK(field("\x80x") == "\\x80x");                           // lone continuation byte
}

TEST_CASE("escape_for_log: quote characters -> escaped in fields, kept in messages") {
  CHECK(field("it's") == "it\\'s");
  CHECK(field("a\\nb") == "a\\\\nb");  // a literal backslash-n cannot pass for an escape
  CHECK(message("it's a\\b") == "it's a\\b");
  CHECK(log_quote("x'y") == "'x\\'y'");
}

TEST_CASE("escape_for_log: longer than the limit -> cut at a character boundary + marker") {
  std::string long_uid(1000, 'u');
  auto out = escape_for_log(long_uid, true, 256);
  CHECK(out == std::string(256, 'u') + "...[+744 bytes]");
  // A 2-byte character straddling the limit is not split.
  auto cut = escape_for_log("abc\xC3\xA4", true, 4);
  CHECK(cut == "abc...[+2 bytes]");
  CHECK(log_quote(std::string(300, 'x')).size() ==
        1 + 256 + std::string("...[+44 bytes]").size() + 1);
  CHECK(escape_for_log("", true, 0).empty());
}
