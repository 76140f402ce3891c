#include "gateway/transport/hid/report.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace kotona;
using namespace kotona::gateway::transport;

namespace {

// A report as the meter sends it: its own prefix, the length byte, payload, padding.
std::vector<std::uint8_t> meter_report(const std::string& payload, std::size_t length_byte,
                                       std::size_t size = kHidReportSize) {
  std::vector<std::uint8_t> r(size, 0);
  const std::string prefix = "XYZ";  // the meter's prefix is not checked
  for (std::size_t i = 0; i < 3 && i < size; ++i) r[i] = static_cast<std::uint8_t>(prefix[i]);
  if (size > 3) r[3] = static_cast<std::uint8_t>(length_byte);
  for (std::size_t i = 0; i < payload.size() && 4 + i < size; ++i) {
    r[4 + i] = static_cast<std::uint8_t>(payload[i]);
  }
  return r;
}

std::string text(std::span<const std::uint8_t> bytes) { return {bytes.begin(), bytes.end()}; }

}  // namespace

TEST_CASE("hid report: ENQ and a frame piece -> their payloads, padding ignored") {
  const auto enq = meter_report("\x05", 1);
  auto payload = parse_hid_report(enq);
  REQUIRE(payload);
  CHECK(text(*payload) == "\x05");
  const std::string piece =
      "\x02"
      "1H|\\^&||";
  const auto frame = meter_report(piece, piece.size());
  payload = parse_hid_report(frame);
  REQUIRE(payload);
  CHECK(text(*payload) == piece);
}

TEST_CASE("hid report: length 0 -> empty payload, length 60 -> 60 bytes") {
  const auto zero = meter_report("", 0);  // the payload is a view into the report: keep it
  auto empty = parse_hid_report(zero);
  REQUIRE(empty);
  CHECK(empty->empty());
  const std::string full(60, 'x');
  const auto sixty = meter_report(full, 60);
  auto all = parse_hid_report(sixty);
  REQUIRE(all);
  CHECK(text(*all) == full);
}

TEST_CASE("hid report: length byte over 60 -> kMalformed at byte 3, clear detail") {
  for (std::size_t bad : {61U, 64U, 200U, 255U}) {
    CAPTURE(bad);
    auto r = parse_hid_report(meter_report("abc", bad));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::kMalformed);
    CHECK(r.error().offset == 3);
    CHECK(r.error().detail == "length byte " + std::to_string(bad) + " over 60");
  }
}

TEST_CASE("hid report: empty, short and long reports -> errors naming the size") {
  auto empty = parse_hid_report({});
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code == Errc::kTruncated);
  CHECK(empty.error().offset == 0);
  for (std::size_t size : {1U, 3U, 4U, 10U, 63U}) {
    CAPTURE(size);
    auto r = parse_hid_report(meter_report("", 0, size));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::kTruncated);
    CHECK(r.error().offset == size);
    CHECK(r.error().detail == "short report: " + std::to_string(size) + " bytes, expected 64");
  }
  auto longer = parse_hid_report(meter_report("", 0, 65));
  REQUIRE_FALSE(longer);
  CHECK(longer.error().code == Errc::kMalformed);
  CHECK(longer.error().detail == "report of 65 bytes, expected 64");
}

TEST_CASE("hid report: encode -> 'ABC', length, payload, zero padding, a unit ends short") {
  for (std::size_t size : {0U, 1U, 59U, 60U, 61U, 119U, 120U, 130U, 600U}) {
    CAPTURE(size);
    std::vector<std::uint8_t> bytes(size);
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>(i * 7 + 1);
    const auto reports = encode_hid_reports(bytes);
    CHECK(reports.size() == size / 60 + 1);
    std::vector<std::uint8_t> joined;
    for (std::size_t k = 0; k < reports.size(); ++k) {
      const auto& r = reports[k];
      CHECK(text(std::span(r).first(3)) == "ABC");
      CHECK((r[3] == 60) == (k + 1 < reports.size()));  // only the last one is short
      for (std::size_t i = 4u + r[3]; i < r.size(); ++i) CHECK(r[i] == 0);
      auto payload = parse_hid_report(r);
      REQUIRE(payload);
      joined.insert(joined.end(), payload->begin(), payload->end());
    }
    CHECK(joined == bytes);
  }
}

TEST_CASE(
    "astm_glucose: hid report: a Contour header frame over several reports reassembles exactly") {
  // Written from the layout glucometerutils documents (H.5 product^versions^serial^sku, a
  // 12-digit date-time in H.14), framed per E1381 (STX, frame number, text, CR, ETB, C1 C2;
  // the checksum is not checked at this layer).
  const std::string frame =
      "\x02"
      "1H|\\^&||qvq|Bayer7390^01.24\\01.04\\09.02.20^7390-1234567^7403-|A=1^C=63^G=1^"
      "I=0200^R=0^S=1^U=0^V=10600^X=070070070180130180180250^Y=360126099054120054252099^Z=1|"
      "4|||||P|1|201909221304\r\x17"
      "5A\r\n";
  std::vector<std::uint8_t> bytes(frame.begin(), frame.end());
  const auto reports = encode_hid_reports(bytes);
  REQUIRE(reports.size() == frame.size() / 60 + 1);
  std::string joined;
  for (const auto& r : reports) joined += text(*parse_hid_report(r));
  CHECK(joined == frame);
}
