#include "drivers/astm/frame.h"

#include <doctest/doctest.h>

#include "drivers/astm/test_frames.h"

namespace kotona::drivers::astm {
namespace {

using test::hex;

// STX '1' "H|\^&" CR ETX "E5" CR LF, checksum worked by hand (LIS01-A2 §6.3.1.4).
constexpr const char* kHeaderFrame = "02 31 48 7c 5c 5e 26 0d 03 45 35 0d 0a";

TEST_CASE("parse_frame: good final frame (§6.3.1) -> number, text, is_final") {
  auto frame = parse_frame(hex(kHeaderFrame));
  REQUIRE(frame.has_value());
  CHECK(frame->number == 1);
  CHECK(frame->text == "H|\\^&\r");
  CHECK(frame->is_final);
}

TEST_CASE("parse_frame: ETB intermediate frame -> is_final false") {
  auto frame = parse_frame(test::make_frame(2, "R|1|^^^SYS", false));
  REQUIRE(frame.has_value());
  CHECK(frame->number == 2);
  CHECK_FALSE(frame->is_final);
}

TEST_CASE("parse_frame: checksum off by one -> kChecksum at C1") {
  auto frame = parse_frame(hex("02 31 48 7c 5c 5e 26 0d 03 45 36 0d 0a"));
  REQUIRE_FALSE(frame.has_value());
  CHECK(frame.error().code == Errc::kChecksum);
  CHECK(frame.error().offset == 9);
}

TEST_CASE("parse_frame: lowercase checksum digits -> kMalformed") {
  auto frame = parse_frame(hex("02 31 48 7c 5c 5e 26 0d 03 65 35 0d 0a"));
  REQUIRE_FALSE(frame.has_value());
  CHECK(frame.error().code == Errc::kMalformed);
  CHECK(frame.error().offset == 9);
}

TEST_CASE("parse_frame: over 240 characters (Afinion-class, issue 14) -> accepted to 16 KiB") {
  const std::string long_text = std::string(600, 'A') + "\r";
  auto frame = parse_frame(test::make_frame(1, long_text, true));
  REQUIRE(frame.has_value());
  CHECK(frame->text == long_text);
  CHECK(parse_frame(test::make_frame(1, std::string(kMaxAcceptedFrameText, 'A'), true)));
  auto over = parse_frame(test::make_frame(1, std::string(kMaxAcceptedFrameText + 1, 'A'), true));
  REQUIRE_FALSE(over.has_value());
  CHECK(over.error().code == Errc::kMalformed);
}

TEST_CASE("parse_frame: checksum of known 240-character frame -> 38") {
  auto bytes = test::make_frame(1, std::string(240, 'A'), false);
  CHECK(bytes[243] == '3');
  CHECK(bytes[244] == '8');
  CHECK(parse_frame(bytes).has_value());
}

TEST_CASE("parse_frame: empty input -> kTruncated at 0") {
  auto frame = parse_frame({});
  REQUIRE_FALSE(frame.has_value());
  CHECK(frame.error().code == Errc::kTruncated);
  CHECK(frame.error().offset == 0);
}

TEST_CASE("parse_frame: truncated at each boundary -> kTruncated at input end") {
  const auto full = hex(kHeaderFrame);
  // Cuts after STX, after FN, inside the text, after ETX, after C1, after C2, after CR.
  for (std::size_t cut : {1u, 2u, 5u, 9u, 10u, 11u, 12u}) {
    CAPTURE(cut);
    auto frame = parse_frame(std::span(full).first(cut));
    REQUIRE_FALSE(frame.has_value());
    CHECK(frame.error().code == Errc::kTruncated);
    CHECK(frame.error().offset == cut);
  }
}

TEST_CASE("parse_frame: frame number '8' -> kMalformed at 1") {
  auto frame = parse_frame(hex("02 38 4c 0d 03 39 38 0d 0a"));
  REQUIRE_FALSE(frame.has_value());
  CHECK(frame.error().code == Errc::kMalformed);
  CHECK(frame.error().offset == 1);
}

TEST_CASE("parse_frame: frame numbers 0..7 -> all accepted") {
  for (int n = 0; n < 8; ++n) {
    auto frame = parse_frame(test::make_frame(n, "L|1|N\r", true));
    REQUIRE(frame.has_value());
    CHECK(frame->number == n);
  }
}

TEST_CASE("parse_frame: no leading STX -> kMalformed at 0") {
  auto frame = parse_frame(hex("31 48 03 45 35 0d 0a"));
  REQUIRE_FALSE(frame.has_value());
  CHECK(frame.error().code == Errc::kMalformed);
}

TEST_CASE("parse_frame: over the accepted 16 KiB of text -> kMalformed at the first byte over") {
  auto frame = parse_frame(test::make_frame(1, std::string(kMaxAcceptedFrameText + 1, 'A'), true));
  REQUIRE_FALSE(frame.has_value());
  CHECK(frame.error().code == Errc::kMalformed);
  CHECK(frame.error().offset == kMaxAcceptedFrameText + 2);
}

TEST_CASE("parse_frame: control character inside text -> kMalformed at its offset") {
  auto bytes = test::make_frame(1, "R|1\x15|", true);
  auto frame = parse_frame(bytes);
  REQUIRE_FALSE(frame.has_value());
  CHECK(frame.error().code == Errc::kMalformed);
  CHECK(frame.error().offset == 5);
}

TEST_CASE("parse_frame: trailing byte after LF -> kMalformed") {
  auto bytes = hex(kHeaderFrame);
  bytes.push_back(0x41);
  auto frame = parse_frame(bytes);
  REQUIRE_FALSE(frame.has_value());
  CHECK(frame.error().code == Errc::kMalformed);
  CHECK(frame.error().offset == 13);
}

TEST_CASE("parse_frame: missing LF after CR -> kMalformed") {
  auto frame = parse_frame(hex("02 31 48 7c 5c 5e 26 0d 03 45 35 0d 0d"));
  REQUIRE_FALSE(frame.has_value());
  CHECK(frame.error().code == Errc::kMalformed);
}

}  // namespace
}  // namespace kotona::drivers::astm
