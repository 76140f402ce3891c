#include "drivers/astm/dialect.h"

#include <doctest/doctest.h>

#include <string>

#include "drivers/astm/message.h"

namespace kotona::drivers::astm {
namespace {

// Contour-family header and results as glucometerutils' test and Tidepool's driver describe
// them (dialect.h): versions repeat-separated in H.5, serial after them, 12-digit times.
const std::string kContourH =
    "H|\\^&||7w3LBL|Bayer7390^01.24\\01.04\\09.02.20^7390-2336773^7403-|A=1^C=63^U=0^V=10600|"
    "1714||||||1|201909221304\r";

Record header(const std::string& h) {
  auto d = parse_delimiters(h);
  REQUIRE(d.has_value());
  auto r = parse_record(h.substr(0, h.size() - 1), *d);
  REQUIRE(r.has_value());
  return *r;
}

TEST_CASE(
    "astm_glucose: select_dialect: H.5 sender Bayer... -> contour, anything else -> generic "
    "LIS2-A2") {
  CHECK(select_dialect(header(kContourH)).name == "contour");
  CHECK(select_dialect(header("H|\\^&|||Acme^INR-1^SN1^1.0\r")).name == "lis2-a2");
  CHECK(select_dialect(header("H|\\^&\r")).name == "lis2-a2");
}

TEST_CASE("to_reference_layout: reference message -> byte for byte the same") {
  const std::string m =
      "H|\\^&|||Acme^INR-1^SN1^1.0|||||||P|LIS2-A2|20261122101600\rP|1\r"
      "O|1|42||^^^INR|||20261122101500\rR|1|^^^INR|2.6|INR||N||F\rL|1|N\r";
  CHECK(to_reference_layout(m).value() == m);
}

TEST_CASE(
    "astm_glucose: to_reference_layout: Contour results -> one O block each, markers translated") {
  const std::string m = kContourH + "P|1\r" + "R|8|^^^Glucose|133|mg/dL^P||B/X||201202052034\r" +
                        "R|9|^^^Glucose|98|mg/dL^P||C||201202061000\r" +
                        "R|10|^^^Glucose|10|mg/dL^P||</A||201202071200\r" + "L|1||N\r";
  auto out = to_reference_layout(m);
  REQUIRE_MESSAGE(out.has_value(), (out ? "" : describe(out.error())));
  CHECK(*out ==
        "H|\\^&|||Ascensia^Bayer7390^7390-2336773^01.24|||||||P|LIS2-A2|201909221304\r"
        "P|1\r"
        "O|1|t201202052034-133||^^^GLU|||201202052034||||\r"
        "R|1|^^^GLU|133|mg/dL||||F\r"
        "C|1|I|MEAL^BEFORE|G\r"
        "O|1|t201202061000-98||^^^GLU|||201202061000||||Q\r"
        "R|1|^^^GLU|98|mg/dL||||F\r"
        "O|1|t201202071200-10||^^^GLU|||201202071200||||\r"
        "R|1|^^^GLU|10|mg/dL||<||F\r"
        "C|1|I|MEAL^AFTER|G\r"
        "L|1|N\r");
}

TEST_CASE("astm_glucose: to_reference_layout: Contour O with action Q -> its result is a control") {
  const std::string m =
      kContourH + "P|1\rO|1||||||||||Q\r" + "R|1|^^^Glucose|120|mg/dL^P||||201202052034\rL|1||N\r";
  CHECK(to_reference_layout(m)->find("||||Q\rR|1|^^^GLU|120") != std::string::npos);
}

TEST_CASE(
    "astm_glucose: to_reference_layout: Contour header without serial -> kMalformed naming the "
    "dialect") {
  auto out = to_reference_layout("H|\\^&||x|Bayer7390^01.24\rL|1||N\r");
  REQUIRE_FALSE(out.has_value());
  CHECK(out.error().code == Errc::kMalformed);
  CHECK(out.error().detail.find("contour") != std::string::npos);
}

TEST_CASE("to_reference_layout: generic LIS2-A2 LOINC test id -> reference local code") {
  const std::string m =
      "H|\\^&|||Acme^INR-1^SN1^1.0\rO|1|42||6301-6^INR^LN\rR|1|6301-6^INR^LN|2.6|INR\rL|1|N\r";
  auto out = to_reference_layout(m);
  REQUIRE(out.has_value());
  CHECK(out->find("R|1|^^^INR|2.6|INR\r") != std::string::npos);
  CHECK(out->find("O|1|42||6301-6^INR^LN\r") != std::string::npos);  // O.5 is not read
}

TEST_CASE("to_reference_layout: empty or not starting with H -> errors, never a throw") {
  CHECK(to_reference_layout("").error().code == Errc::kTruncated);
  CHECK(to_reference_layout("P|1\rL|1\r").error().code == Errc::kMalformed);
  for (const char* odd : {"H|\\^&||x|Bayer\r", "H|\\^&||x|Bayer^1\\\\\\^^\rR|1\rR\rL\r",
                          "H|\\^&||x|Bayer^1^S1\rR|1|^^^Glucose|||||||\rL|1\r"}) {
    CAPTURE(odd);
    (void)to_reference_layout(odd);
  }
}

}  // namespace
}  // namespace kotona::drivers::astm
