#include "drivers/astm_glucose/parse.h"

#include <doctest/doctest.h>

#include <string>

namespace kotona::drivers::astm_glucose {
namespace {

using namespace std::chrono;

const std::string kH = "H|\\^&|||Acme^GLU-1^SN123^1.0|||||||P|LIS2-A2|20261122101600\r";
const std::string kO = "O|1|42||^^^GLU|||20261122101500\r";
const std::string kGlu = "R|1|^^^GLU|97|mg/dL||N||F||||20261122101500\r";
const std::string kL = "L|1|N\r";

Result<Message> parse(const std::string& text) {
  const std::vector<std::uint8_t> bytes(text.begin(), text.end());
  return parse_message(bytes);
}

std::string block(const std::string& results) { return kH + "P|1\r" + kO + results + kL; }

const Glucose& glucose_of(const Reading& r) { return std::get<Glucose>(r.measurement); }

double mmol(const std::string& value, const std::string& unit) {
  auto m = parse(block("R|1|^^^GLU|" + value + "|" + unit + "||N||F\r"));
  REQUIRE(m.has_value());
  REQUIRE(m->readings.size() == 1);
  return glucose_of(m->readings[0]).mmol_per_l;
}

Errc first_rejection(const std::string& results) {
  auto m = parse(block(results));
  REQUIRE(m.has_value());
  CHECK(m->readings.empty());
  REQUIRE(m->rejected.size() == 1);
  return m->rejected[0].code;
}

TEST_CASE(
    "astm_glucose: parse_glucose: reference message -> one reading in mmol/L with identity and "
    "time") {
  auto m = parse(block(kGlu + "C|1|I|MEAL^BEFORE|G\r"));
  REQUIRE(m.has_value());
  CHECK(m->rejected.empty());
  CHECK(m->device_clock == sys_days{2026y / 11 / 22} + 10h + 16min);
  REQUIRE(m->readings.size() == 1);
  const Reading& r = m->readings[0];
  CHECK(r.device == DeviceIdentity{"Acme", "GLU-1", DeviceSerial{"SN123"}, "1.0", "astm_glucose"});
  CHECK(r.record_id == "42");
  CHECK(r.device_time == sys_days{2026y / 11 / 22} + 10h + 15min);
  CHECK(glucose_of(r) == Glucose{5.4, MealMarker::kPreprandial});
  CHECK(r.quality == QualityFlags{});
}

TEST_CASE("astm_glucose: parse_glucose: mg/dL -> divided by 18.0156 and rounded to 0.1 mmol/L") {
  CHECK(mmol("97", "mg/dL") == 5.4);
  CHECK(mmol("54", "mg/dl") == 3.0);
  CHECK(mmol("180", "mg/dL") == 10.0);
  CHECK(mmol("600", "mg/dL") == 33.3);
  CHECK(mmol("10", "mg/dL") == 0.6);
}

TEST_CASE("astm_glucose: parse_glucose: mmol/L -> kept, rounded to 0.1") {
  CHECK(mmol("5.4", "mmol/L") == 5.4);
  CHECK(mmol("5.44", "mmol/l") == 5.4);
  CHECK(mmol("5.45", "mmol/L") == doctest::Approx(5.5).epsilon(0.011));
  CHECK(mmol("12", "mmol/L") == 12.0);
}

TEST_CASE("astm_glucose: parse_glucose: unit missing or unknown -> kMalformed (never guessed)") {
  CHECK(first_rejection("R|1|^^^GLU|5.4|||N||F\r") == Errc::kMalformed);
  CHECK(first_rejection("R|1|^^^GLU|5.4|g/L||N||F\r") == Errc::kMalformed);
}

TEST_CASE(
    "astm_glucose: parse_glucose: beyond the meter's range without indicator -> passed on, exact") {
  // The hub no longer judges plausibility (issue 13): the server flags, never drops.
  CHECK(mmol("1200", "mg/dL") == doctest::Approx(66.6));
  CHECK(mmol("0.4", "mmol/L") == doctest::Approx(0.4));
  CHECK(mmol("99", "mmol/L") == doctest::Approx(99.0));
}

TEST_CASE(
    "astm_glucose: parse_glucose: HI, LO, '>600', '<20', R.7 '<' -> comparator with the limit") {
  struct Case {
    const char* value;
    const char* unit;
    const char* flag;
    double mmol_per_l;
    Comparator comparator;
  };
  for (const Case& c : {Case{"HI", "mmol/L", "", 33.3, Comparator::kAboveRange},
                        Case{"HI", "mg/dL", "HH", 33.3, Comparator::kAboveRange},
                        Case{"LO", "mg/dL", "", 1.1, Comparator::kBelowRange},
                        Case{"Lo", "mmol/L", "LL", 1.1, Comparator::kBelowRange},
                        Case{">600", "mg/dL", "", 33.3, Comparator::kAboveRange},
                        Case{"<20", "mg/dL", "", 1.1, Comparator::kBelowRange},
                        Case{"20", "mg/dL", "<", 1.1, Comparator::kBelowRange}}) {
    CAPTURE(c.value);
    CAPTURE(c.unit);
    auto m =
        parse(block(std::string("R|1|^^^GLU|") + c.value + "|" + c.unit + "||" + c.flag + "||F\r"));
    REQUIRE(m->readings.size() == 1);
    CHECK(glucose_of(m->readings[0]).mmol_per_l == doctest::Approx(c.mmol_per_l));
    CHECK(glucose_of(m->readings[0]).comparator == c.comparator);
    CHECK_FALSE(m->readings[0].quality.device_error);
  }
}

TEST_CASE("astm_glucose: parse_glucose: bad numbers, no GLU, duplicate -> kMalformed") {
  for (const char* v : {"", "-5", "5,4", "1e2", ".", "HIGHER", ">"}) {
    CAPTURE(v);
    CHECK(first_rejection(std::string("R|1|^^^GLU|") + v + "|mmol/L||N||F\r") == Errc::kMalformed);
  }
  CHECK(first_rejection("C|1|I|MEAL^BEFORE|G\r") == Errc::kMalformed);
  CHECK(first_rejection(kGlu + kGlu) == Errc::kMalformed);
}

TEST_CASE("astm_glucose: parse_glucose: meal comments -> markers, unknown or absent -> kUnknown") {
  const std::pair<const char*, MealMarker> cases[] = {
      {"BEFORE", MealMarker::kPreprandial}, {"AFTER", MealMarker::kPostprandial},
      {"FASTING", MealMarker::kFasting},    {"BEDTIME", MealMarker::kBedtime},
      {"NONE", MealMarker::kUnknown},       {"SNACK", MealMarker::kUnknown}};
  for (const auto& [text, marker] : cases) {
    CAPTURE(text);
    auto m = parse(block(kGlu + "C|1|I|MEAL^" + text + "|G\r"));
    REQUIRE(m->readings.size() == 1);
    CHECK(glucose_of(m->readings[0]).meal == marker);
  }
  CHECK(glucose_of(parse(block(kGlu))->readings.at(0)).meal == MealMarker::kUnknown);
}

TEST_CASE(
    "astm_glucose: parse_glucose: control solution (O.12 Q or QC-GLU) -> emitted, control_result") {
  const std::string qc = "O|1|44||^^^GLU|||20261122101500||||Q\r";
  const std::string o2 = "O|2|45||^^^GLU|||20261122101500\r";
  auto m = parse(kH + qc + "R|1|^^^GLU|6.1|mmol/L\r" + o2 + kGlu + kL);
  REQUIRE(m->readings.size() == 2);
  CHECK(m->readings[0].quality.control_result);
  CHECK_FALSE(m->readings[1].quality.control_result);
  auto t = parse(block("R|1|^^^QC-GLU|110|mg/dL\r"));
  REQUIRE(t->readings.size() == 1);
  CHECK(t->readings[0].quality.control_result);
}

TEST_CASE("astm_glucose: parse_glucose: status P, unknown or contradicting flag -> rejected") {
  CHECK(first_rejection("R|1|^^^GLU|HI|mg/dL||<||F\r") == Errc::kMalformed);
  CHECK(first_rejection("R|1|^^^GLU|97|mg/dL||N||P\r") == Errc::kUnsupported);
  CHECK(first_rejection("R|1|^^^GLU|97|mg/dL||Z||F\r") == Errc::kMalformed);
  CHECK(first_rejection("R|1|^^^GLU||mg/dL||N||X\r") == Errc::kMalformed);  // no number invented
}

TEST_CASE(
    "astm_glucose: parse_glucose: 12-digit O.8 (issue 14) -> the result kept, to the minute") {
  auto m = parse(kH + "P|1\r" + "O|1|8||^^^GLU|||201202052034\r" +
                 "R|1|^^^GLU|133|mg/dL||N||F||||201202052034\r" + kL);
  REQUIRE(m.has_value());
  CHECK(m->rejected.empty());
  REQUIRE(m->readings.size() == 1);
  CHECK(m->readings[0].device_time == sys_days{2012y / 2 / 5} + 20h + 34min);
  CHECK(m->readings[0].quality.device_time_precision == TimePrecision::kMinute);
  CHECK(glucose_of(m->readings[0]).mmol_per_l == doctest::Approx(7.4));
}

TEST_CASE(
    "astm_glucose: parse_glucose: Contour dialect (issue 14) -> read, R with no O, markers kept") {
  // The header form and result line (glucometerutils' test_contourusb.py).
  const std::string h =
      "H|\\^&||7w3LBL|Bayer7390^01.24\\01.04\\09.02.20^7390-2336773^7403-|A=1^C=63^U=0|"
      "1714||||||1|201909221304\r";
  auto m = parse(h + "P|1\rR|8|^^^Glucose|133|mg/dL^P||B/X||201202052034\r" +
                 "R|9|^^^Glucose|98|mg/dL^P||C||201202061000\rL|1||N\r");
  REQUIRE_MESSAGE(m.has_value(), (m ? "" : describe(m.error())));
  CHECK(m->rejected.empty());
  REQUIRE(m->readings.size() == 2);
  const Reading& r = m->readings[0];
  CHECK(r.device == DeviceIdentity{"Ascensia", "Bayer7390", DeviceSerial{"7390-2336773"}, "01.24",
                                   "astm_glucose"});
  CHECK(r.record_id == "t201202052034-133");
  CHECK(r.device_time == sys_days{2012y / 2 / 5} + 20h + 34min);
  CHECK(r.quality.device_time_precision == TimePrecision::kMinute);
  CHECK(glucose_of(r).mmol_per_l == doctest::Approx(7.4));
  CHECK(glucose_of(r).meal == MealMarker::kPreprandial);
  CHECK_FALSE(r.quality.control_result);
  CHECK(m->readings[1].quality.control_result);  // marker C: control solution
  CHECK(m->device_clock == sys_days{2019y / 9 / 22} + 13h + 4min);
}

TEST_CASE(
    "astm_glucose: parse_glucose: one meter, firmware update changes its dialect -> both read") {
  const std::string before =
      "H|\\^&|||Ascensia^Bayer7390^7390-2336773^01.20|||||||P|LIS2-A2|20261121090000\r"
      "P|1\rO|1|7||^^^GLU|||20261121085500\rR|1|^^^GLU|112|mg/dL||N||F\rL|1|N\r";
  const std::string after =
      "H|\\^&||x|Bayer7390^01.24\\01.04^7390-2336773^7403-|U=0|1||||||1|202611221016\r"
      "P|1\rR|1|^^^Glucose|133|mg/dL^P||B||202611220730\rL|1||N\r";
  auto old_fw = parse(before);
  auto new_fw = parse(after);
  REQUIRE(old_fw->readings.size() == 1);
  REQUIRE(new_fw->readings.size() == 1);
  CHECK(old_fw->readings[0].device.serial == new_fw->readings[0].device.serial);
  CHECK(old_fw->readings[0].device.firmware == "01.20");
  CHECK(new_fw->readings[0].device.firmware == "01.24");
}

TEST_CASE("astm_glucose: parse_glucose: whole-message errors -> kTruncated / kMalformed") {
  CHECK(parse("").error().code == Errc::kTruncated);
  CHECK(parse(kH + kO + kGlu).error().code == Errc::kTruncated);
  CHECK(parse("P|1\r" + kL).error().code == Errc::kMalformed);
  CHECK(parse("H|\\^&|||Acme^GLU-1^^1.0\r" + kL).error().code == Errc::kMalformed);
}

TEST_CASE(
    "astm_glucose: parse_glucose: cut anywhere before the L record -> refused, never a reading") {
  const std::string full = block(kGlu);
  for (std::size_t cut = 0; cut < full.size() - kL.size(); ++cut) {
    CAPTURE(cut);
    CHECK_FALSE(parse(full.substr(0, cut)).has_value());
  }
}

TEST_CASE(
    "astm_glucose: parse_glucose: O.8 missing -> no device time, record number bad -> rejected") {
  auto m = parse(kH + "O|1|42||^^^GLU\r" + kGlu + kL);
  REQUIRE(m->readings.size() == 1);
  CHECK_FALSE(m->readings[0].device_time.has_value());
  CHECK(parse(kH + "O|1|||^^^GLU\r" + kGlu + kL)->rejected.size() == 1);
  CHECK(parse(kH + "O|1|42||^^^GLU|||2026\r" + kGlu + kL)->rejected.size() == 1);
}

}  // namespace
}  // namespace kotona::drivers::astm_glucose
