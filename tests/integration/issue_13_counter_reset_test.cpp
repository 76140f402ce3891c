// Issue 13 §1, the hub side: a serial meter (firmware-sim astm-bp) whose record counter
// restarts at 1 mid-life (battery change), then dumps its whole memory again. Real gateway,
// mosquitto and server: every reading is stored once under its own uid (the new numbering in
// record epoch 1: `r1.e1`), none collides (no uid_conflict flag, no reading.uid_conflict
// alert), and the re-sent memory adds nothing. The same for a BLE glucose meter fetched by RACP
// cursor (negative control: -DKOTONA_BROKEN=ble_no_reset_check). Runs on both store backends.
#include <doctest/doctest.h>

#include <fstream>

#include "tests/integration/system.h"

using namespace kotona::test;
using namespace std::chrono_literals;

TEST_CASE(
    "astm_bp e2e: issue 13: serial meter record counter restarts mid-life then re-sends its memory "
    "-> "
    "every reading stored once with the new numbering in epoch 1 and no conflict") {
  const std::string serial = "BPSIM0003";
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({serial});
  // The last measure follows resend-all on the same link: once it is stored, so is the resend.
  sys.start_device(
      {serial,
       {"measure", "121/81/61",     "measure", "122/82/62", "measure", "123/83/63", "wait",
        "1500",    "reset-counter", "measure", "131/91/71", "measure", "132/92/72", "wait",
        "1500",    "resend-all",    "wait",    "1500",      "measure", "133/93/73"},
       {}});
  sys.start_gateway();
  REQUIRE_MESSAGE(eventually([&] { return sys.server_reading_uids().size() == 6; }, 60s),
                  sys.diagnostics());
  const std::string gw = sys.gateway_id();
  std::map<std::string, int> expected{
      {gw + "/" + serial + "/r1/bp", 1},    {gw + "/" + serial + "/r2/bp", 1},
      {gw + "/" + serial + "/r3/bp", 1},    {gw + "/" + serial + "/r1.e1/bp", 1},
      {gw + "/" + serial + "/r2.e1/bp", 1}, {gw + "/" + serial + "/r3.e1/bp", 1}};
  CHECK_MESSAGE(sys.server_reading_uids() == expected, sys.diagnostics());
  for (const auto& r : sys.get_json_array("/api/v1/readings")) {
    CHECK_FALSE(r.as_object().at("quality").at("uid_conflict").as_bool());
  }
  for (const auto& a : sys.get_json_array("/api/v1/alerts")) {
    CHECK(a.as_object().at("rule_id").as_string() != "reading.uid_conflict");
  }
  CHECK_MESSAGE(eventually([&] { return sys.outbox_rows() == 0; }, 15s), sys.diagnostics());
  CHECK(sys.gateway_log().find("record epoch 1 starts") != std::string::npos);
}

namespace {
std::vector<boost::json::object> ledger(SystemUnderTest& sys, const std::string& serial) {
  std::vector<boost::json::object> out;
  std::ifstream in(sys.dir() / ("ledger-" + serial + ".jsonl"));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(boost::json::parse(line).as_object());
  }
  return out;
}
}  // namespace

// The BLE side: the hub fetches glucose records after its stored RACP cursor. A meter reset
// (firmware-sim reset-counter: memory cleared, numbering from 1) then measuring more records
// than the cursor used to lose its new records 1..3 (only 4 and 5 are "after the cursor").
TEST_CASE(
    "ble_glucose e2e: issue 13: BLE glucose meter's record counter restarts after 3 synced "
    "records, 5 new ones "
    "-> all 8 at the server exactly once, the new numbering in epoch 1, no conflict") {
  const std::string serial = "GLU-RST1";
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({serial});
  sys.start_device(
      {serial,
       {"measure", "5.1", "measure", "5.2", "measure", "5.3", "wait", "6000", "reset-counter",
        "measure", "6.1", "measure", "6.2", "measure", "6.3", "measure", "6.4", "measure", "6.5"},
       {"--idle-disconnect-ms", "1000"},
       "ble-glucose"});
  sys.start_gateway();
  REQUIRE_MESSAGE(eventually([&] { return ledger(sys, serial).size() == 8; }, 45s),
                  sys.diagnostics());
  // Every record the meter measured, by its ledger line: the first 3 in epoch 0, the 5 after
  // the reset in epoch 1 (record id "<sequence>-<base time>.e1").
  std::map<std::string, int> expected;
  std::map<std::string, double> value;
  const auto lines = ledger(sys, serial);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string uid = sys.gateway_id() + "/" + serial + "/" +
                            std::string(lines[i].at("uid_key").as_string()) + (i < 3 ? "" : ".e1") +
                            "/glucose";
    expected[uid] = 1;
    value[uid] = lines[i].at("mmol_per_l").to_number<double>();
  }
  REQUIRE(expected.size() == 8);
  CHECK_MESSAGE(eventually([&] { return sys.server_reading_uids() == expected; }, 45s),
                sys.diagnostics());
  for (const auto& r : sys.get_json_array("/api/v1/readings")) {
    const auto& o = r.as_object();
    const std::string uid(o.at("reading_uid").as_string());
    CHECK_FALSE(o.at("quality").at("uid_conflict").as_bool());
    CHECK_MESSAGE(o.at("values").at("mmol_per_l").to_number<double>() ==
                      doctest::Approx(value[uid]).epsilon(0.01),
                  uid);
  }
  for (const auto& a : sys.get_json_array("/api/v1/alerts")) {
    CHECK(a.as_object().at("rule_id").as_string() != "reading.uid_conflict");
  }
  CHECK(sys.gateway_log().find("the record counter restarted") != std::string::npos);
  CHECK(sys.gateway_log().find("record epoch 1 starts") != std::string::npos);
  CHECK(sys.stored_cursor("ble_glucose", "C0:FF:EE:00:00:01") == 5);
  CHECK_MESSAGE(eventually([&] { return sys.outbox_rows() == 0; }, 15s), sys.diagnostics());
}
