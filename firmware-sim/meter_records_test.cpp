#include "firmware-sim/meter_records.h"

#include <doctest/doctest.h>

#include "firmware-sim/astm_encoder.h"
#include "firmware-sim/options.h"

namespace kotona::firmware_sim {
namespace {

using namespace std::chrono;

const sys_seconds kNow = sys_days{2026y / 11 / 22} + 10h + 16min + 5s;

BpDeviceInfo info(const char* model, const char* serial) {
  BpDeviceInfo i;
  i.model = model;
  i.serial = serial;
  return i;
}

TEST_CASE(
    "astm_inr sim: make_inr_records: patient and control tests -> profile layout, O.12 Q on "
    "control") {
  const MeterMeasurement patient{42, 2.6, false, false, kNow - 60s};
  const MeterMeasurement control{43, 2.4, false, true, kNow - 30s};
  const auto r =
      make_inr_records(info("SIM-INR1", "INRSIM0001"), MeterExtras{}, kNow, {patient, control});
  REQUIRE(r.size() == 11);
  CHECK(r[0] == "H|\\^&|||Kotona^SIM-INR1^INRSIM0001^1.0.0|||||||P|LIS2-A2|20261122101605\r");
  CHECK(r[2] == "O|1|42||^^^INR|||20261122101505\r");
  CHECK(r[3] == "R|1|^^^INR|2.6|INR||N||F||||20261122101505\r");
  CHECK(r[4] == "R|2|^^^PT|31.2|s||N||F||||20261122101505\r");
  CHECK(r[5] == "C|1|I|LOT^287451|G\r");
  CHECK(r[6] == "O|2|43||^^^INR|||20261122101535||||Q\r");
  CHECK(r[10] == "L|1|N\r");
}

TEST_CASE(
    "astm_glucose sim: make_glucose_records: mg/dL whole, mmol/L one decimal, meal only on patient "
    "runs") {
  MeterExtras extras;
  extras.meal = "BEFORE";
  const MeterMeasurement mg{1, 97, true, false, kNow};
  const MeterMeasurement mmol{2, 5.4, false, false, kNow};
  const MeterMeasurement control{3, 6.1, false, true, kNow};
  const auto r =
      make_glucose_records(info("SIM-GLU1", "GLUSIM0001"), extras, kNow, {mg, mmol, control});
  REQUIRE(r.size() == 11);
  CHECK(r[3] == "R|1|^^^GLU|97|mg/dL||N||F||||20261122101605\r");
  CHECK(r[4] == "C|1|I|MEAL^BEFORE|G\r");
  CHECK(r[6] == "R|1|^^^GLU|5.4|mmol/L||N||F||||20261122101605\r");
  CHECK(r[8] == "O|3|3||^^^GLU|||20261122101605||||Q\r");
  CHECK(r[9] == "R|1|^^^GLU|6.1|mmol/L||N||F||||20261122101605\r");
  CHECK(r[10] == "L|1|N\r");
}

TEST_CASE(
    "astm_glucose sim: make_contour_records: Contour layout, no O, markers, 12-digit times, ETB "
    "frames") {
  MeterExtras extras;
  extras.contour = true;
  extras.meal = "BEFORE";
  const MeterMeasurement patient{1, 133, true, false, kNow - 60s};
  const MeterMeasurement control{2, 98, true, true, kNow - 30s};
  const auto r =
      make_contour_records(info("Bayer7390", "7390-1234567"), extras, kNow, {patient, control});
  REQUIRE(r.size() == 5);
  CHECK(r[0] ==
        "H|\\^&||sIm0k1|Bayer7390^1.0.0\\01.04\\09.02^7390-1234567^7403-|A=1^C=63^U=0|2|||||"
        "|1|202611221016\r");
  CHECK(r[1] == "P|1\r");
  CHECK(r[2] == "R|1|^^^Glucose|133|mg/dL^P||B||202611221015\r");
  CHECK(r[3] == "R|2|^^^Glucose|98|mg/dL^P||C||202611221015\r");
  CHECK(r[4] == "L|1||N\r");
  CHECK(contour_record_id(patient) == "t202611221015-133");
  CHECK(meter_ledger_line("astm-glucose", "S", patient, 5, contour_record_id(patient))
            .find("\"record\":\"t202611221015-133\"") != std::string::npos);
  const auto frames = encode_message_etb_frames(r);
  REQUIRE(frames.size() == 5);
  CHECK(frames[0][frames[0].size() - 5] == kEtb);
  CHECK(frames[4][frames[4].size() - 5] == kEtx);
}

TEST_CASE("astm_inr astm_glucose sim: meter_ledger_line: inr and glucose -> kind, value, control") {
  CHECK(meter_ledger_line("astm-inr", "INRSIM0001", {42, 2.6, false, false, kNow}, 5) ==
        "{\"device\":\"astm-inr\",\"serial\":\"INRSIM0001\",\"record\":\"42\",\"kind\":\"inr\","
        "\"inr\":2.6,\"control\":false,\"delivered_unix_ms\":5}");
  CHECK(meter_ledger_line("astm-glucose", "G1", {7, 97, true, true, kNow}, 5) ==
        "{\"device\":\"astm-glucose\",\"serial\":\"G1\",\"record\":\"7\",\"kind\":\"glucose\","
        "\"mmol_per_l\":5.4,\"control\":true,\"delivered_unix_ms\":5}");
}

TEST_CASE(
    "astm_inr astm_glucose sim: parse_options(meters): measure, control, --strip-lot, --meal, "
    "device defaults") {
  auto inr = parse_options({"astm-inr", "--strip-lot", "A17", "measure", "2.6", "control"});
  REQUIRE(inr.has_value());
  CHECK(inr->info.serial == "INRSIM0001");
  CHECK(inr->extras.strip_lot == "A17");
  REQUIRE(inr->script.size() == 2);
  CHECK(inr->script[0].value == 2.6);
  CHECK(inr->script[1].kind == ScriptStep::Kind::kMeasure);
  CHECK(inr->script[1].is_control);
  auto glu = parse_options(
      {"astm-glucose", "--meal", "FASTING", "measure", "97mgdl", "measure", "5.4", "loop", "100"});
  REQUIRE(glu.has_value());
  CHECK(glu->info.serial == "GLUSIM0001");
  CHECK(glu->extras.meal == "FASTING");
  CHECK(glu->script[0].is_mg_per_dl);
  CHECK(glu->script[0].value == 97);
  CHECK(glu->script[1].value == 5.4);
  CHECK_FALSE(glu->script[1].is_mg_per_dl);
}

TEST_CASE(
    "astm_glucose sim: parse_options(meters): --dialect contour -> Contour mode, Bayer model, else "
    "kConfig") {
  auto contour = parse_options({"astm-glucose", "--dialect", "contour"});
  REQUIRE(contour.has_value());
  CHECK(contour->extras.contour);
  CHECK(contour->info.model == "Bayer7390");
  CHECK_FALSE(parse_options({"astm-glucose", "--dialect", "roche"}).has_value());
  CHECK_FALSE(parse_options({"astm-inr", "--dialect", "contour"}).has_value());
  CHECK(parse_options({"astm-inr", "--framing", "one-frame"})->extras.framing == "one-frame");
  CHECK_FALSE(parse_options({"astm-inr", "--framing", "lines"}).has_value());
  CHECK_FALSE(parse_options({"astm-bp", "--framing", "one-frame"}).has_value());
  const auto one = encode_message_one_frame({"H|\\^&\r", "L|1|N\r"});
  REQUIRE(one.size() == 1);
  CHECK(std::string(one[0].begin() + 2, one[0].end() - 5) == "H|\\^&\rL|1|N\r");
  const auto long_one = encode_message_one_frame({std::string(300, 'C') + "\r", "L|1|N\r"});
  REQUIRE(long_one.size() == 1);  // one frame over 240 characters, as the analysers send it
  CHECK(long_one[0].size() == 301 + 6 + 7);
}

TEST_CASE(
    "astm_inr astm_glucose sim: parse_options(meters): wrong device's options or bad values -> "
    "kConfig") {
  const std::vector<std::vector<std::string>> bad = {
      {"astm-inr", "measure", "182/112/71"},
      {"astm-inr", "measure", "25"},
      {"astm-inr", "--units", "kPa"},
      {"astm-inr", "--meal", "BEFORE"},
      {"astm-glucose", "measure", "97mg"},
      {"astm-glucose", "measure", "0mgdl"},
      {"astm-glucose", "--meal", "LUNCH"},
      {"astm-glucose", "--strip-lot", "1"},
      {"astm-bp", "control"},
      {"astm-bp", "--strip-lot", "1"},
      {"astm-inr", "--strip-lot", ""},
  };
  for (const auto& args : bad) {
    CAPTURE(args.back());
    auto o = parse_options(args);
    REQUIRE_FALSE(o.has_value());
    CHECK(o.error().code == Errc::kConfig);
  }
}

}  // namespace
}  // namespace kotona::firmware_sim
