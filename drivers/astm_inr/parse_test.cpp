#include "drivers/astm_inr/parse.h"

#include <doctest/doctest.h>

#include <string>

namespace kotona::drivers::astm_inr {
namespace {

using namespace std::chrono;

const std::string kH = "H|\\^&|||Acme^INR-1^SN123^1.0|||||||P|LIS2-A2|20261122101600\r";
const std::string kO = "O|1|42||^^^INR|||20261122101500\r";
const std::string kInr = "R|1|^^^INR|2.6|INR||N||F||||20261122101500\r";
const std::string kPt = "R|2|^^^PT|31.2|s||N||F||||20261122101500\r";
const std::string kL = "L|1|N\r";

Result<Message> parse(const std::string& text) {
  const std::vector<std::uint8_t> bytes(text.begin(), text.end());
  return parse_message(bytes);
}

std::string block(const std::string& results) { return kH + "P|1\r" + kO + results + kL; }

const Inr& inr_of(const Reading& r) { return std::get<Inr>(r.measurement); }

Errc first_rejection(const std::string& results) {
  auto m = parse(block(results));
  REQUIRE(m.has_value());
  CHECK(m->readings.empty());
  REQUIRE(m->rejected.size() == 1);
  return m->rejected[0].code;
}

TEST_CASE(
    "astm_inr: parse_inr: reference message -> one reading with identity, record, time, PT, lot") {
  auto m = parse(block(kInr + kPt + "R|3|^^^LOT|287451||||||F\r"));
  REQUIRE(m.has_value());
  CHECK(m->rejected.empty());
  CHECK(m->device_clock == sys_days{2026y / 11 / 22} + 10h + 16min);
  REQUIRE(m->readings.size() == 1);
  const Reading& r = m->readings[0];
  CHECK(r.device == DeviceIdentity{"Acme", "INR-1", DeviceSerial{"SN123"}, "1.0", "astm_inr"});
  CHECK(r.record_id == "42");
  CHECK(r.device_time == sys_days{2026y / 11 / 22} + 10h + 15min);
  CHECK(inr_of(r) == Inr{2.6, 31.2, std::string("287451")});
  CHECK(r.quality == QualityFlags{});
  CHECK(r.uid.empty());
}

TEST_CASE(
    "astm_inr: parse_inr: empty, no L, first record not H, bad serial -> whole message refused") {
  CHECK(parse("").error().code == Errc::kTruncated);
  CHECK(parse(kH + kO + kInr).error().code == Errc::kTruncated);
  CHECK(parse(kH).error().code == Errc::kTruncated);
  CHECK(parse("P|1\r" + kO + kInr + kL).error().code == Errc::kMalformed);
  CHECK(parse("H|\\^&|||Acme^INR-1^^1.0\r" + kL).error().code == Errc::kMalformed);
  CHECK(parse("H|\\^&|||Acme^INR-1^a b^1.0\r" + kL).error().code == Errc::kMalformed);
  CHECK(parse("H||||\r" + kL).error().code == Errc::kMalformed);
}

TEST_CASE("astm_inr: parse_inr: cut anywhere before the L record -> kTruncated, never a reading") {
  const std::string full = block(kInr + kPt);
  for (std::size_t cut = 0; cut < full.size() - kL.size(); ++cut) {
    CAPTURE(cut);
    auto m = parse(full.substr(0, cut));
    REQUIRE_FALSE(m.has_value());
    CHECK(m.error().code != Errc::kOutOfRange);
  }
}

TEST_CASE("astm_inr: parse_inr: unit empty, INR or {INR} -> accepted, other unit -> kMalformed") {
  for (const char* unit : {"", "INR", "{INR}"}) {
    CAPTURE(unit);
    auto m = parse(block(std::string("R|1|^^^INR|2.6|") + unit + "||N||F\r"));
    REQUIRE(m->readings.size() == 1);
  }
  CHECK(first_rejection("R|1|^^^INR|2.6|s||N||F\r") == Errc::kMalformed);
}

TEST_CASE(
    "astm_inr: parse_inr: INR beyond the meter's range without indicator -> passed on, exact") {
  // The hub no longer judges plausibility (issue 13): the server flags, never drops.
  for (const char* v : {"0.4", "10.1", "12.5", "0"}) {
    CAPTURE(v);
    auto m = parse(block(std::string("R|1|^^^INR|") + v + "|INR||HH||F\r"));
    REQUIRE(m->readings.size() == 1);
    CHECK(inr_of(m->readings[0]).comparator == Comparator::kNone);
  }
}

TEST_CASE(
    "astm_inr: parse_inr: '>8.0', '<0.8', HI, LO, R.7 '>' -> comparator with the limit (inv. 14)") {
  struct Case {
    const char* text;
    const char* flag;
    double ratio;
    Comparator comparator;
  };
  for (const Case& c :
       {Case{">8.0", "HH", 8.0, Comparator::kAboveRange},
        Case{"<0.8", "L", 0.8, Comparator::kBelowRange},
        Case{"HI", "", 8.0, Comparator::kAboveRange}, Case{"LO", "", 0.8, Comparator::kBelowRange},
        Case{"8.0", ">", 8.0, Comparator::kAboveRange},
        Case{"0.8", "<", 0.8, Comparator::kBelowRange}}) {
    CAPTURE(c.text);
    CAPTURE(c.flag);
    auto m = parse(block(std::string("R|1|^^^INR|") + c.text + "|INR||" + c.flag + "||F\r"));
    REQUIRE(m->readings.size() == 1);
    CHECK(inr_of(m->readings[0]).ratio == c.ratio);
    CHECK(inr_of(m->readings[0]).comparator == c.comparator);
    CHECK_FALSE(m->readings[0].quality.device_error);
  }
}

TEST_CASE("astm_inr: parse_inr: INR HI with PT '>' -> INR kept with comparator, PT left out") {
  auto m = parse(block("R|1|^^^INR|HI|INR||||F\rR|2|^^^PT|>120|s||||F\r"));
  REQUIRE(m->readings.size() == 1);
  CHECK(inr_of(m->readings[0]).comparator == Comparator::kAboveRange);
  CHECK_FALSE(inr_of(m->readings[0]).prothrombin_time_s.has_value());
}

TEST_CASE("astm_inr: parse_inr: PT outside 5..200 s -> INR kept, PT left out (invariant 13)") {
  for (const char* pt : {"2", "216"}) {
    CAPTURE(pt);
    auto m = parse(block(kInr + "R|2|^^^PT|" + pt + "|s||N||F\r"));
    REQUIRE(m);
    REQUIRE(m->readings.size() == 1);
    CHECK(std::get<Inr>(m->readings[0].measurement).prothrombin_time_s == std::nullopt);
  }
}

TEST_CASE("astm_inr: parse_inr: bad INR block -> only that block rejected, next block delivered") {
  const std::string o2 = "O|2|43||^^^INR|||20261122111500\r";
  auto m = parse(kH + kO + "R|1|^^^INR|12,5|INR||HH||F\r" + o2 + kInr + kL);
  REQUIRE(m->readings.size() == 1);
  CHECK(m->readings[0].record_id == "43");
  REQUIRE(m->rejected.size() == 1);
  CHECK(m->rejected[0].code == Errc::kMalformed);
  CHECK(m->rejected[0].detail.find("O record 42") != std::string::npos);
  CHECK(m->rejected[0].offset == kH.size());
}

TEST_CASE("astm_inr: parse_inr: PT unit and duplicates -> rejected with code") {
  CHECK(first_rejection(kInr + "R|2|^^^PT|31.2|min||N||F\r") == Errc::kMalformed);
  CHECK(first_rejection(kInr + kPt + kPt) == Errc::kMalformed);
  CHECK(first_rejection(kInr + kInr) == Errc::kMalformed);
  CHECK(parse(block(kInr + "R|2|^^^PT|31.2|sec||N||F\r"))->readings.size() == 1);
}

TEST_CASE("astm_inr: parse_inr: bad numbers -> kMalformed") {
  for (const char* v : {"", "-2", "2,6", "1e1", ".", "2.6.1", "nan", " 2.6"}) {
    CAPTURE(v);
    CHECK(first_rejection(std::string("R|1|^^^INR|") + v + "|INR||N||F\r") == Errc::kMalformed);
  }
}

TEST_CASE("astm_inr: parse_inr: no INR result -> kMalformed naming INR") {
  auto m = parse(block(kPt));
  REQUIRE(m->rejected.size() == 1);
  CHECK(m->rejected[0].detail.find("no INR") != std::string::npos);
}

TEST_CASE("astm_inr: parse_inr: unknown flag, flag contradicting the value -> rejected") {
  CHECK(first_rejection("R|1|^^^INR|2.6|INR||Q||F\r") == Errc::kMalformed);
  CHECK(first_rejection("R|1|^^^INR|<0.8|INR||>||F\r") == Errc::kMalformed);
}

TEST_CASE(
    "astm_inr: parse_inr: status C -> kept, X with PT missing -> device_error, P -> kUnsupported") {
  CHECK(parse(block("R|1|^^^INR|2.6|INR||N||C\r"))->readings.size() == 1);
  auto x = parse(block(kInr + "R|2|^^^PT||s||N||X\r"));
  REQUIRE(x->readings.size() == 1);
  CHECK(x->readings[0].quality.device_error);
  CHECK_FALSE(inr_of(x->readings[0]).prothrombin_time_s.has_value());
  CHECK(first_rejection("R|1|^^^INR||INR||N||X\r") == Errc::kMalformed);  // no number invented
  CHECK(first_rejection("R|1|^^^INR|2.6|INR||N||P\r") == Errc::kUnsupported);
  CHECK(first_rejection("R|1|^^^INR|2.6|INR||N||Z\r") == Errc::kMalformed);
}

TEST_CASE(
    "astm_inr: parse_inr: O.12 action code Q -> control_result, patient block in same message "
    "not") {
  const std::string qc = "O|1|44||^^^INR|||20261122101500||||Q\r";
  const std::string o2 = "O|2|45||^^^INR|||20261122101500||||N\r";
  auto m = parse(kH + qc + "R|1|^^^INR|2.4|INR||N||F\r" + o2 + kInr + kL);
  REQUIRE(m->readings.size() == 2);
  CHECK(m->readings[0].quality.control_result);
  CHECK_FALSE(m->readings[1].quality.control_result);
}

TEST_CASE("astm_inr: parse_inr: R test id QC-INR -> control_result") {
  auto m = parse(block("R|1|^^^QC-INR|1.1|INR||N||F\r"));
  REQUIRE(m->readings.size() == 1);
  CHECK(m->readings[0].quality.control_result);
  CHECK(inr_of(m->readings[0]).ratio == 1.1);
}

TEST_CASE(
    "astm_inr: parse_inr: lot from C record, escapes undone, two different lots -> rejected") {
  auto m = parse(block(kInr + "C|1|I|LOT^A17&S&0092|G\r"));
  REQUIRE(m->readings.size() == 1);
  CHECK(inr_of(m->readings[0]).strip_lot == "A17^0092");
  CHECK(first_rejection(kInr + "C|1|I|LOT^111|G\rR|3|^^^LOT|222\r") == Errc::kMalformed);
  CHECK(first_rejection(kInr + "R|3|^^^LOT|\r") == Errc::kMalformed);
  CHECK(first_rejection(kInr + "R|3|^^^LOT|" + std::string(65, '7') + "\r") == Errc::kMalformed);
  CHECK(parse(block(kInr + "C|1|I|free text|G\r"))->readings.size() == 1);  // other comments
}

TEST_CASE("astm_inr: parse_inr: O.8 missing -> no device time, impossible date -> block rejected") {
  auto m = parse(kH + "O|1|42||^^^INR\r" + kInr + kL);
  REQUIRE(m->readings.size() == 1);
  CHECK_FALSE(m->readings[0].device_time.has_value());
  auto bad = parse(kH + "O|1|42||^^^INR|||20261322101500\r" + kInr + kL);
  CHECK(bad->readings.empty());
  CHECK(bad->rejected.at(0).code == Errc::kMalformed);
}

TEST_CASE("astm_inr: parse_inr: 12-digit O.8 (issue 14) -> the INR kept, to the minute") {
  // The exact records: refused as "not YYYYMMDDHHMMSS" before, the INR was lost.
  auto m = parse(kH + "P|1\r" + "O|1|105||^^^INR|||202403150825||||\r" +
                 "R|1|^^^INR|2.6|INR||N||F||||202403150825\r" + kL);
  REQUIRE(m.has_value());
  CHECK(m->rejected.empty());
  REQUIRE(m->readings.size() == 1);
  const Reading& r = m->readings[0];
  CHECK(r.record_id == "105");
  CHECK(inr_of(r).ratio == 2.6);
  CHECK(r.device_time == sys_days{2024y / 3 / 15} + 8h + 25min);
  CHECK(r.quality.device_time_precision == TimePrecision::kMinute);
  // Day and hour precision are kept as such; 14 digits stay second precision.
  auto day = parse(kH + "O|1|7||^^^INR|||20240315\r" + kInr + kL);
  CHECK(day->readings.at(0).quality.device_time_precision == TimePrecision::kDay);
  CHECK(parse(block(kInr))->readings.at(0).quality.device_time_precision == TimePrecision::kSecond);
  // A 12-digit H.14 is the device clock to the minute.
  auto clock =
      parse("H|\\^&|||Acme^INR-1^SN123^1.0|||||||P|LIS2-A2|202403150826\r" + kO + kInr + kL);
  CHECK(clock->device_clock == sys_days{2024y / 3 / 15} + 8h + 26min);
  auto odd = parse(kH + "O|1|7||^^^INR|||20240315082\r" + kInr + kL);
  CHECK(odd->readings.empty());
  CHECK(odd->rejected.at(0).detail.find("YYYYMMDD[HH[MM[SS]]]") != std::string::npos);
}

TEST_CASE("astm_inr: parse_inr: record number missing or unsafe -> block rejected") {
  CHECK(parse(kH + "O|1|||^^^INR\r" + kInr + kL)->rejected.size() == 1);
  CHECK(parse(kH + "O|1|4/2||^^^INR\r" + kInr + kL)->rejected.size() == 1);
}

TEST_CASE(
    "astm_inr: parse_inr: unknown tests ignored, R before any O -> noted, M record -> "
    "unsupported") {
  CHECK(parse(block(kInr + "R|9|^^^HCT|40|%\r"))->readings.size() == 1);
  auto early = parse(kH + kInr + kO + kInr + kL);
  CHECK(early->readings.size() == 1);
  CHECK(early->rejected.at(0).code == Errc::kMalformed);
  auto m = parse(block(kInr + "M|1|x\r"));
  CHECK(m->readings.size() == 1);
  CHECK(m->rejected.at(0).code == Errc::kUnsupported);
}

TEST_CASE("astm_inr: parse_inr: CR LF record ends and custom delimiters -> same reading") {
  CHECK(parse(kH + "\n" + kO + "\n" + kInr + "\n" + kL + "\n")->readings.size() == 1);
  auto m = parse("H!~@$!!!Acme@INR@SN9@2!\rO!1!7!!@@@INR\rR!1!@@@INR!2.6!INR\rL!1!N\r");
  REQUIRE(m->readings.size() == 1);
  CHECK(m->readings[0].device.serial.value == "SN9");
}

}  // namespace
}  // namespace kotona::drivers::astm_inr
