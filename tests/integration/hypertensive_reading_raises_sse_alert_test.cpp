// The spine end to end: a simulated serial BP monitor on a pseudo-terminal -> gateway (ASTM
// driver, SQLite outbox, MQTT v5) -> real mosquitto -> server (SQLite, rules) -> SSE feed.
#include <doctest/doctest.h>

#include "tests/integration/system.h"

using namespace kotona::test;
using namespace std::chrono_literals;

TEST_CASE("end to end: hypertensive reading -> stored once, high alert on the SSE stream") {
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({"BPSIM0001"});
  SseClient sse(sys.http_port(), "/api/v1/stream");
  REQUIRE(sse.connected());
  sys.start_device({"BPSIM0001", {"measure", "185/115/80", "measure", "128/82/66"}, {}});
  sys.start_gateway();

  const auto& events = sse.wait_for_events(1, 30s);
  REQUIRE_MESSAGE(!events.empty(), sys.diagnostics());
  CHECK(events[0].event == "alert");
  CHECK_FALSE(events[0].id.empty());
  auto alert = boost::json::parse(events[0].data).as_object();
  CHECK(alert.at("rule_id").as_string() == "bp.crisis");
  CHECK(alert.at("priority").as_string() == "high");
  CHECK(alert.at("patient_id").as_string() == "patient-1");
  CHECK(alert.at("reading_uid").as_string() == sys.expected_uid("BPSIM0001", "1"));

  REQUIRE_MESSAGE(eventually([&] { return sys.server_reading_uids().size() == 2; }, 30s),
                  sys.diagnostics());
  auto uids = sys.server_reading_uids();
  CHECK(uids[sys.expected_uid("BPSIM0001", "1")] == 1);
  CHECK(uids[sys.expected_uid("BPSIM0001", "2")] == 1);
  CHECK(sys.get_json_array("/api/v1/alerts").size() == 1);

  // The reading keeps its device identity, codes and the patient from the enrolment table.
  auto readings = sys.get_json_array("/api/v1/readings");
  bool found = false;
  for (const auto& r : readings) {
    if (r.at("reading_uid").as_string() != sys.expected_uid("BPSIM0001", "1")) continue;
    found = true;
    CHECK(r.at("patient_id").as_string() == "patient-1");
    CHECK(r.at("device_serial").as_string() == "BPSIM0001");
    CHECK(r.at("kind").as_string() == "bp");
  }
  CHECK(found);

  CHECK_MESSAGE(eventually([&] { return sys.outbox_rows() == 0; }, 20s), sys.diagnostics());
  CHECK(sys.ledger_uids().size() == 2);
}
