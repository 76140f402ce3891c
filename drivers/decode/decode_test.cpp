#include "drivers/decode/decode.h"

#include <doctest/doctest.h>

#include <string>

#include "drivers/registry/registry.h"

namespace kotona::drivers::decode {
namespace {

using namespace std::chrono;

const HubTime kHub{sys_days{2026y / 11 / 22} + 10h + 16min};

std::vector<std::uint8_t> frame(char number, const std::string& text) {
  std::vector<std::uint8_t> out;
  out.push_back(0x02);
  out.push_back(static_cast<std::uint8_t>(number));
  for (char c : text) out.push_back(static_cast<std::uint8_t>(c));
  out.push_back(0x03);
  unsigned sum = 0;
  for (std::size_t i = 1; i < out.size(); ++i) sum += out[i];
  const char* hex = "0123456789ABCDEF";
  out.push_back(static_cast<std::uint8_t>(hex[(sum >> 4) & 15]));
  out.push_back(static_cast<std::uint8_t>(hex[sum & 15]));
  out.push_back(0x0D);
  out.push_back(0x0A);
  return out;
}

std::vector<std::uint8_t> inr_message() {
  std::vector<std::uint8_t> bytes{0x05};
  const char* records[] = {"H|\\^&|||A^B^SN1^1|||||||P|LIS2-A2|20261122101600\r",
                           "O|1|9||^^^INR|||20261122101500\r", "R|1|^^^INR|2.6|INR\r", "L|1|N\r"};
  char number = '1';
  for (const char* r : records) {
    for (std::uint8_t b : frame(number++, r)) bytes.push_back(b);
  }
  bytes.push_back(0x04);
  return bytes;
}

const DriverDescriptor& inr() { return *find_driver("astm_inr"); }

TEST_CASE("decode_serial: clean message -> finalized reading, no rejections") {
  const auto d = decode_serial(inr(), inr_message(), kHub, GatewayId{"gw1"});
  CHECK(d.rejections.empty());
  REQUIRE(d.readings.size() == 1);
  CHECK(d.readings[0].uid.value == "gw1/SN1/r9/inr");
  CHECK(d.readings[0].clock_offset == seconds(0));
}

TEST_CASE("decode_serial: bad checksum -> byte is the C1 of that frame") {
  auto bytes = inr_message();
  const std::size_t first_frame_end = 1 + frame('1', "H|\\^&|||A^B^SN1^1|||||||P|LIS2-A2|"
                                                     "20261122101600\r").size();
  bytes[first_frame_end - 4] = bytes[first_frame_end - 4] == '0' ? '1' : '0';  // C1
  const auto d = decode_serial(inr(), bytes, kHub, GatewayId{"gw1"});
  REQUIRE_FALSE(d.rejections.empty());
  CHECK(d.rejections[0].error.code == Errc::kChecksum);
  CHECK(d.rejections[0].byte == first_frame_end - 4);
}

TEST_CASE("decode_serial: bytes end mid-transfer -> timer rejection at the input size") {
  auto bytes = inr_message();
  bytes.resize(bytes.size() - 20);
  const auto d = decode_serial(inr(), bytes, kHub, GatewayId{"gw1"});
  CHECK(d.readings.empty());
  REQUIRE_FALSE(d.rejections.empty());
  CHECK(d.rejections.back().byte == bytes.size());
}

TEST_CASE("decode_serial: stray bytes -> one rejection at the run's first byte") {
  const std::vector<std::uint8_t> bytes{'x', 'y', 'z'};
  const auto d = decode_serial(inr(), bytes, kHub, GatewayId{"gw1"});
  REQUIRE(d.rejections.size() == 1);
  CHECK(d.rejections[0].byte == 0);
}

TEST_CASE("parse_hex: pairs with or without spaces -> bytes, odd, split or non-hex -> nullopt") {
  CHECK(parse_hex("05 02\n0a") == std::vector<std::uint8_t>{5, 2, 10});
  CHECK(parse_hex("0502FF") == std::vector<std::uint8_t>{5, 2, 255});
  CHECK_FALSE(parse_hex("050").has_value());
  CHECK_FALSE(parse_hex("0 5").has_value());
  CHECK_FALSE(parse_hex("zz").has_value());
}

TEST_CASE("parse_iso_time: valid with and without ms -> time, invalid -> nullopt") {
  CHECK(parse_iso_time("2026-11-22T10:16:00Z") == kHub);
  CHECK(parse_iso_time("2026-11-22T10:16:00.250Z") == kHub + 250ms);
  CHECK_FALSE(parse_iso_time("2026-02-30T10:16:00Z").has_value());
  CHECK_FALSE(parse_iso_time("2026-11-22 10:16:00Z").has_value());
  CHECK_FALSE(parse_iso_time("2026-11-22T24:00:00Z").has_value());
  CHECK_FALSE(parse_iso_time("").has_value());
}

}  // namespace
}  // namespace kotona::drivers::decode
