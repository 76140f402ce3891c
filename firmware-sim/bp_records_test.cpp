#include "firmware-sim/bp_records.h"

#include <doctest/doctest.h>

namespace kotona::firmware_sim {
namespace {

using namespace std::chrono;

const sys_seconds kNow = sys_days{2026y / 11 / 22} + 10h + 16min + 5s;

TEST_CASE("format_astm_time: instant -> YYYYMMDDHHMMSS") {
  CHECK(format_astm_time(kNow) == "20261122101605");
}

TEST_CASE(
    "astm_bp sim: make_bp_records: one measurement -> H P O R R R L as in the reference profile") {
  const BpMeasurement m{42, 182, 112, 71, kNow - 60s};
  const auto records = make_bp_records(BpDeviceInfo{}, kNow, {m});
  REQUIRE(records.size() == 7);
  CHECK(records[0] == "H|\\^&|||Kotona^SIM-BP1^BPSIM0001^1.0.0|||||||P|LIS2-A2|20261122101605\r");
  CHECK(records[1] == "P|1\r");
  CHECK(records[2] == "O|1|42||^^^BP|||20261122101505\r");
  CHECK(records[3] == "R|1|^^^SYS|182|mmHg||H||F||||20261122101505\r");
  CHECK(records[4] == "R|2|^^^DIA|112|mmHg||H||F||||20261122101505\r");
  CHECK(records[5] == "R|3|^^^PULSE|71|/min||N||F||||20261122101505\r");
  CHECK(records[6] == "L|1|N\r");
}

TEST_CASE("astm_bp sim: make_bp_records: kPa -> three decimals") {
  BpDeviceInfo info;
  info.kpa = true;
  const auto records = make_bp_records(info, kNow, {BpMeasurement{1, 182, 112, 71, kNow}});
  CHECK(records[3].find("|24.265|kPa|") != std::string::npos);
  CHECK(records[4].find("|14.932|kPa|") != std::string::npos);
}

TEST_CASE("astm_bp sim: make_bp_records: two measurements -> two O blocks, one L") {
  const auto records = make_bp_records(BpDeviceInfo{}, kNow,
                                       {BpMeasurement{1, 120, 80, 60, kNow},
                                        BpMeasurement{2, 121, 81, 61, kNow}});
  CHECK(records.size() == 11);
  CHECK(records[6].rfind("O|2|2|", 0) == 0);
}

TEST_CASE("escape_astm: delimiters in vendor text -> &F& &R& &S& &E&") {
  CHECK(escape_astm("a|b\\c^d&e") == "a&F&b&R&c&S&d&E&e");
}

TEST_CASE("ledger_line: measurement -> contract JSON") {
  CHECK(ledger_line("BPSIM0001", BpMeasurement{42, 182, 112, 71, kNow}, 1700000000123) ==
        "{\"device\":\"astm-bp\",\"serial\":\"BPSIM0001\",\"record\":\"42\",\"kind\":\"bp\","
        "\"systolic_mmhg\":182,\"diastolic_mmhg\":112,\"pulse_per_min\":71,"
        "\"delivered_unix_ms\":1700000000123}");
}

}  // namespace
}  // namespace kotona::firmware_sim
