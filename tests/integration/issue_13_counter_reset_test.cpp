// Issue 13 §1, the hub side: a serial meter (firmware-sim astm-bp) whose record counter
// restarts at 1 mid-life (battery change), then dumps its whole memory again. Real gateway,
// mosquitto and server: every reading is stored once under its own uid (the new numbering in
// record epoch 1: `r1.e1`), none collides (no uid_conflict flag, no reading.uid_conflict
// alert), and the re-sent memory adds nothing. Runs on both store backends.
#include <doctest/doctest.h>

#include "tests/integration/system.h"

using namespace kotona::test;
using namespace std::chrono_literals;

TEST_CASE(
    "issue 13: serial meter record counter restarts mid-life then re-sends its memory -> "
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
