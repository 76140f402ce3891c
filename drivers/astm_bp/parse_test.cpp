#include "drivers/astm_bp/parse.h"

#include <doctest/doctest.h>

#include <string>

namespace kotona::drivers::astm_bp {
namespace {

using namespace std::chrono;

const std::string kH = "H|\\^&|||Acme^BP-1^SN123^1.0|||||||P|LIS2-A2|20261122101600\r";
const std::string kO = "O|1|42||^^^BP|||20261122101500\r";
const std::string kSys = "R|1|^^^SYS|182|mmHg||H||F||||20261122101500\r";
const std::string kDia = "R|2|^^^DIA|112|mmHg||H||F||||20261122101500\r";
const std::string kPulse = "R|3|^^^PULSE|71|/min||N||F||||20261122101500\r";
const std::string kL = "L|1|N\r";

Result<Message> parse(const std::string& text) {
  const std::vector<std::uint8_t> bytes(text.begin(), text.end());
  return parse_message(bytes);
}

std::string with_result(const std::string& r) { return kH + "P|1\r" + kO + r + kDia + kL; }

const BloodPressure& bp_of(const Reading& r) { return std::get<BloodPressure>(r.measurement); }

TEST_CASE("astm_bp: parse_message: reference message -> one reading with identity, record, time") {
  auto m = parse(kH + "P|1\r" + kO + kSys + kDia + kPulse + kL);
  REQUIRE(m.has_value());
  CHECK(m->rejected.empty());
  REQUIRE(m->readings.size() == 1);
  const Reading& r = m->readings[0];
  CHECK(r.device == DeviceIdentity{"Acme", "BP-1", DeviceSerial{"SN123"}, "1.0", "astm_bp"});
  CHECK(r.record_id == "42");
  CHECK(r.device_time == sys_days{2026y / 11 / 22} + 10h + 15min);
  CHECK(bp_of(r) == BloodPressure{182, 112, std::nullopt, 71});
  CHECK(r.quality == QualityFlags{});
  CHECK(r.uid.empty());
  CHECK(r.gateway.empty());
}

TEST_CASE("astm_bp: parse_message: 12-digit O.8 (issue 14) -> the reading kept, to the minute") {
  auto m = parse(kH + "O|1|42||^^^BP|||202611221015\r" + kSys + kDia + kL);
  REQUIRE(m.has_value());
  REQUIRE(m->readings.size() == 1);
  CHECK(m->readings[0].device_time == sys_days{2026y / 11 / 22} + 10h + 15min);
  CHECK(m->readings[0].quality.device_time_precision == TimePrecision::kMinute);
}

TEST_CASE("astm_bp: parse_message: empty -> kTruncated") {
  CHECK(parse("").error().code == Errc::kTruncated);
  CHECK(parse("\r\r").error().code == Errc::kTruncated);
}

TEST_CASE("astm_bp: parse_message: no L record -> kTruncated") {
  CHECK(parse(kH + kO + kSys + kDia).error().code == Errc::kTruncated);
  CHECK(parse(kH).error().code == Errc::kTruncated);
}

TEST_CASE("astm_bp: parse_message: first record not H -> kMalformed") {
  CHECK(parse("P|1\r" + kO + kSys + kDia + kL).error().code == Errc::kMalformed);
}

TEST_CASE("astm_bp: parse_message: serial missing or unsafe in H.5 -> kMalformed") {
  CHECK(parse("H|\\^&|||Acme^BP-1^^1.0\r" + kL).error().code == Errc::kMalformed);
  CHECK(parse("H|\\^&|||Acme^BP-1^a/b^1.0\r" + kL).error().code == Errc::kMalformed);
}

TEST_CASE("astm_bp: parse_message: missing DIA -> block rejected, message still parsed") {
  auto m = parse(kH + kO + kSys + kL);
  REQUIRE(m.has_value());
  CHECK(m->readings.empty());
  REQUIRE(m->rejected.size() == 1);
  CHECK(m->rejected[0].code == Errc::kMalformed);
  CHECK(m->rejected[0].detail.find("no DIA") != std::string::npos);
}

TEST_CASE("astm_bp: parse_message: missing SYS -> rejected naming SYS") {
  auto m = parse(kH + kO + kDia + kL);
  REQUIRE(m.has_value());
  REQUIRE(m->rejected.size() == 1);
  CHECK(m->rejected[0].detail.find("no SYS") != std::string::npos);
}

TEST_CASE(
    "astm_bp: parse_message: two O blocks (memory dump), one incomplete -> good one delivered") {
  const std::string o2 = "O|2|43||^^^BP|||20261122111500\r";
  auto m = parse(kH + kO + kSys + kDia + o2 + kSys + kL);
  REQUIRE(m.has_value());
  REQUIRE(m->readings.size() == 1);
  CHECK(m->readings[0].record_id == "42");
  REQUIRE(m->rejected.size() == 1);
  CHECK(m->rejected[0].detail.find("O record 43") != std::string::npos);
}

TEST_CASE("astm_bp: parse_message: kPa units -> converted to mmHg (1 kPa = 7.50062 mmHg)") {
  auto m = parse(kH + kO + "R|1|^^^SYS|24.265|kPa||H||F\r" + "R|2|^^^DIA|14.932|kPa||H||F\r" + kL);
  REQUIRE(m.has_value());
  REQUIRE(m->readings.size() == 1);
  CHECK(bp_of(m->readings[0]).systolic_mmhg == doctest::Approx(182.0));
  CHECK(bp_of(m->readings[0]).diastolic_mmhg == doctest::Approx(112.0));
}

TEST_CASE("astm_bp: parse_message: MAP result -> mean arterial set") {
  auto m = parse(with_result(kSys + "R|4|^^^MAP|135|mmHg||N||F\r"));
  REQUIRE(m.has_value());
  REQUIRE(m->readings.size() == 1);
  CHECK(bp_of(m->readings[0]).mean_arterial_mmhg == 135.0);
}

TEST_CASE(
    "astm_bp: parse_message: abnormal flags L H LL HH N A and empty -> accepted, no quality flag") {
  for (const char* flag : {"", "L", "H", "LL", "HH", "N", "A"}) {
    CAPTURE(flag);
    auto m = parse(with_result(std::string("R|1|^^^SYS|182|mmHg||") + flag + "||F\r"));
    REQUIRE(m.has_value());
    REQUIRE(m->readings.size() == 1);
    CHECK_FALSE(m->readings[0].quality.device_error);
  }
}

TEST_CASE("astm_bp: parse_message: flags < and > (outside measuring range) -> device_error") {
  for (const char* flag : {"<", ">"}) {
    CAPTURE(flag);
    auto m = parse(with_result(std::string("R|1|^^^SYS|300|mmHg||") + flag + "||F\r"));
    REQUIRE(m.has_value());
    REQUIRE(m->readings.size() == 1);
    CHECK(m->readings[0].quality.device_error);
  }
}

TEST_CASE("astm_bp: parse_message: unknown flag -> block rejected kMalformed") {
  auto m = parse(with_result("R|1|^^^SYS|182|mmHg||Q||F\r"));
  REQUIRE(m.has_value());
  CHECK(m->readings.empty());
  CHECK(m->rejected.at(0).code == Errc::kMalformed);
}

TEST_CASE("astm_bp: parse_message: status F, C -> delivered, X -> device_error, P -> rejected") {
  for (const char* status : {"F", "C", ""}) {
    auto m = parse(with_result(std::string("R|1|^^^SYS|182|mmHg||N||") + status + "\r"));
    CHECK(m->readings.size() == 1);
  }
  auto x = parse(with_result(kSys + "R|3|^^^PULSE||/min||N||X\r"));
  REQUIRE(x->readings.size() == 1);
  CHECK(x->readings[0].quality.device_error);
  CHECK_FALSE(bp_of(x->readings[0]).pulse_per_min.has_value());
  auto p = parse(with_result("R|1|^^^SYS|182|mmHg||N||P\r"));
  CHECK(p->readings.empty());
  CHECK(p->rejected.at(0).code == Errc::kUnsupported);
}

TEST_CASE(
    "astm_bp: parse_message: SYS cannot be done (X, no value) -> rejected, no number invented") {
  auto m = parse(with_result("R|1|^^^SYS||mmHg||N||X\r"));
  REQUIRE(m.has_value());
  CHECK(m->readings.empty());
  CHECK(m->rejected.size() == 1);
}

TEST_CASE("astm_bp: parse_message: bad value, unit, range, duplicate -> rejected with code") {
  CHECK(parse(with_result("R|1|^^^SYS|-5|mmHg||N||F\r"))->rejected.at(0).code == Errc::kMalformed);
  CHECK(parse(with_result("R|1|^^^SYS|1e3|mmHg||N||F\r"))->rejected.at(0).code == Errc::kMalformed);
  CHECK(parse(with_result("R|1|^^^SYS|182|psi||N||F\r"))->rejected.at(0).code == Errc::kMalformed);
  CHECK(parse(with_result("R|1|^^^SYS|182|||N||F\r"))->rejected.at(0).code == Errc::kMalformed);
  CHECK(parse(with_result("R|1|^^^SYS|5000|mmHg||N||F\r"))->rejected.at(0).code ==
        Errc::kOutOfRange);
  CHECK(parse(with_result(kSys + kSys))->rejected.at(0).code == Errc::kMalformed);
}

TEST_CASE("astm_bp: parse_message: comments IHB and MOV -> irregular_pulse and body_movement") {
  auto m =
      parse(with_result(kSys + "C|1|I|IHB^irregular heartbeat|G\rC|2|I|MOV^body movement|G\r"));
  REQUIRE(m->readings.size() == 1);
  CHECK(m->readings[0].quality.irregular_pulse);
  CHECK(m->readings[0].quality.body_movement);
}

TEST_CASE("astm_bp: parse_message: O.8 missing -> reading without device time") {
  auto m = parse(kH + "O|1|42||^^^BP\r" + kSys + kDia + kL);
  REQUIRE(m->readings.size() == 1);
  CHECK_FALSE(m->readings[0].device_time.has_value());
}

TEST_CASE("astm_bp: parse_message: O.8 impossible date -> block rejected") {
  auto m = parse(kH + "O|1|42||^^^BP|||20261341101500\r" + kSys + kDia + kL);
  CHECK(m->readings.empty());
  CHECK(m->rejected.size() == 1);
}

TEST_CASE("astm_bp: parse_message: record number missing -> block rejected") {
  auto m = parse(kH + "O|1|||^^^BP|||20261122101500\r" + kSys + kDia + kL);
  CHECK(m->readings.empty());
  CHECK(m->rejected.size() == 1);
}

TEST_CASE("astm_bp: parse_message: custom delimiters and escapes in H.5 -> decoded") {
  auto m = parse(
      "H!~@$!!!Acme$S$Co@BP@SN9@2!\rO!1!7!!@@@BP\rR!1!@@@SYS!120!mmHg\r"
      "R!2!@@@DIA!80!mmHg\rL!1!N\r");
  REQUIRE(m.has_value());
  REQUIRE(m->readings.size() == 1);
  CHECK(m->readings[0].device.vendor == "Acme@Co");
  CHECK(m->readings[0].device.serial.value == "SN9");
}

TEST_CASE("astm_bp: parse_message: unsupported record type M -> noted, reading kept") {
  auto m = parse(kH + kO + kSys + "M|1|x\r" + kDia + kL);
  REQUIRE(m->readings.size() == 1);
  CHECK(m->rejected.at(0).code == Errc::kUnsupported);
}

TEST_CASE("astm_bp: parse_message: CR LF record ends -> same as CR") {
  auto m = parse(kH + "\n" + kO + "\n" + kSys + "\n" + kDia + "\n" + kL + "\n");
  REQUIRE(m.has_value());
  CHECK(m->readings.size() == 1);
}

}  // namespace
}  // namespace kotona::drivers::astm_bp
