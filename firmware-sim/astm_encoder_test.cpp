#include "firmware-sim/astm_encoder.h"

#include <doctest/doctest.h>

#include <string>

namespace kotona::firmware_sim {
namespace {

std::string text_of(const Bytes& b) { return std::string(b.begin(), b.end()); }

TEST_CASE("encode_frame: header record (LIS01-A2 §6.3.1.4) -> checksum E5 worked by hand") {
  // '1'+'H'+'|'+'\'+'^'+'&'+CR+ETX = 49+72+124+92+94+38+13+3 = 485 = 0x1E5 -> "E5".
  const Bytes frame = encode_frame(1, "H|\\^&\r", true);
  CHECK(text_of(frame) == "\x02" "1H|\\^&\r\x03" "E5\r\n");
}

TEST_CASE("astm_checksum: sum wraps modulo 256 -> low byte") {
  const Bytes bytes(3, 0xFF);
  CHECK(astm_checksum(bytes) == 0xFD);
  CHECK(astm_checksum({}) == 0);
}

TEST_CASE("encode_frame: checksum under 0x10 -> two digits with leading zero") {
  // '2'+'L'+'|'+'1'+'|'+'N'+CR+ETX = 50+76+124+49+124+78+13+3 = 517 = 0x205 -> "05".
  const Bytes frame = encode_frame(2, "L|1|N\r", true);
  CHECK(text_of(frame).substr(frame.size() - 4) == "05\r\n");
}

TEST_CASE("encode_frame: intermediate frame -> ETB") {
  const Bytes frame = encode_frame(3, "abc", false);
  CHECK(frame[5] == kEtb);
}

TEST_CASE("encode_message: frame numbers start at 1 and wrap 7 -> 0") {
  std::vector<std::string> records(10, "P|1\r");
  const auto frames = encode_message(records);
  REQUIRE(frames.size() == 10);
  const std::string expected = "1234567012";
  for (std::size_t i = 0; i < frames.size(); ++i) {
    CAPTURE(i);
    CHECK(frames[i][1] == expected[i]);
    CHECK(frames[i][frames[i].size() - 5] == kEtx);
  }
}

TEST_CASE("encode_message: 241-character record -> 240 ETB + 1 ETX, consecutive numbers") {
  const std::string record = std::string(240, 'A') + "\r";
  const auto frames = encode_message({record});
  REQUIRE(frames.size() == 2);
  CHECK(frames[0].size() == 240 + 7);
  CHECK(frames[0][242] == kEtb);
  CHECK(frames[0][1] == '1');
  CHECK(frames[1][1] == '2');
  CHECK(text_of(frames[1]).substr(2, 1) == "\r");
  CHECK(frames[1][3] == kEtx);
}

TEST_CASE("encode_message: exactly 240 characters -> one ETX frame") {
  const auto frames = encode_message({std::string(239, 'A') + "\r"});
  REQUIRE(frames.size() == 1);
  CHECK(frames[0][242] == kEtx);
}

TEST_CASE("encode_message: 600-character record -> 240 + 240 + 120, next record new frame") {
  const auto frames = encode_message({std::string(599, 'B') + "\r", "L|1|N\r"});
  REQUIRE(frames.size() == 4);
  CHECK(frames[2].size() == 120 + 7);
  CHECK(frames[3][1] == '4');
}

}  // namespace
}  // namespace kotona::firmware_sim
