// Issue 13, invariant 13 at the hub: a meter sends a result record its driver cannot read (a
// firmware fault: R.4 "5..4") between good ones. The meter was ACKed, so it never sends it
// again: the value exists only in its memory. The good readings arrive, and the hub's heartbeat
// tells the server, which raises device.record_refused to the patient's care team naming the
// device, reason and count (one alert, not one per record). Negative control: a hub that does
// not report refusals (DeviceStatus.refused left empty) fails it. Runs on both store backends.
// Also here: a meter's port the hub sees but cannot open (device.unreadable), the same gap.
#include <doctest/doctest.h>

#include <fstream>
#include <thread>

#include "tests/integration/system.h"

using namespace kotona::test;
using namespace std::chrono_literals;

namespace {
std::vector<boost::json::object> alerts_of(SystemUnderTest& sys, const std::string& rule) {
  std::vector<boost::json::object> out;
  for (const auto& a : sys.get_json_array("/api/v1/alerts")) {
    if (a.as_object().at("rule_id").as_string() == rule) out.push_back(a.as_object());
  }
  return out;
}
}  // namespace

TEST_CASE(
    "astm_glucose e2e: issue 13: a meter sends an unreadable result record among good ones -> the "
    "good readings "
    "stored, device.record_refused names device, reason and count for the care team, once") {
  const std::string serial = "GLUSIM0013";
  SystemUnderTest sys;
  sys.extra_server_config = "technical_check_ms = 200\n";
  sys.start_broker();
  sys.start_server({serial});
  sys.start_device({serial,
                    {"measure", "5.1", "wait", "500", "measure", "garbled", "wait", "500",
                     "measure", "6.2", "wait", "500", "measure", "garbled"},
                    {},
                    "astm-glucose"});
  sys.start_gateway();
  const std::map<std::string, int> expected{{sys.expected_uid(serial, "1", "glucose"), 1},
                                            {sys.expected_uid(serial, "3", "glucose"), 1}};
  REQUIRE_MESSAGE(eventually([&] { return sys.server_reading_uids() == expected; }, 30s),
                  sys.diagnostics());
  // Both refusals in one alert per patient (a later refusal is a new episode, grouped into it;
  // its text, last_message, gives the count so far).
  REQUIRE_MESSAGE(eventually(
                      [&] {
                        auto a = alerts_of(sys, "device.record_refused");
                        return !a.empty() &&
                               a.front().at("last_message").as_string().find("2 records refused") !=
                                   std::string::npos;
                      },
                      30s),
                  sys.diagnostics());
  const auto alerts = alerts_of(sys, "device.record_refused");
  CHECK(alerts.size() == 1);
  const std::string message(alerts.front().at("message").as_string());
  CHECK(message.find(serial) != std::string::npos);
  CHECK(message.find("(malformed)") != std::string::npos);
  CHECK(alerts.front().at("patient_id").as_string() != "");
  CHECK(sys.gateway_log().find("5..4") != std::string::npos);
  CHECK_MESSAGE(eventually([&] { return sys.outbox_rows() == 0; }, 15s), sys.diagnostics());
}

TEST_CASE(
    "ble_bp e2e: issue 13: a BLE blood pressure cuff indicates a value one byte short among good "
    "ones -> "
    "the good readings stored, device.record_refused names the cuff and 'truncated', once") {
  const std::string serial = "BLEBP0013";
  SystemUnderTest sys;
  sys.extra_server_config = "technical_check_ms = 200\n";
  sys.start_broker();
  sys.start_server({serial});
  sys.start_device({serial,
                    {"measure", "121/81/70", "wait", "1100", "measure", "garbled", "wait", "1100",
                     "measure", "132/86/71"},
                    {},
                    "ble-bp"});
  sys.start_gateway();
  REQUIRE_MESSAGE(eventually([&] { return sys.server_reading_uids().size() == 2; }, 60s),
                  sys.diagnostics());
  std::set<double> systolic;
  for (const auto& r : sys.get_json_array("/api/v1/readings")) {
    systolic.insert(r.at("values").at("systolic_mmhg").to_number<double>());
  }
  CHECK(systolic == std::set<double>{121, 132});
  REQUIRE_MESSAGE(eventually([&] { return !alerts_of(sys, "device.record_refused").empty(); }, 30s),
                  sys.diagnostics());
  const auto alerts = alerts_of(sys, "device.record_refused");
  CHECK(alerts.size() == 1);
  const std::string message(alerts.front().at("message").as_string());
  CHECK_MESSAGE(message.find(serial) != std::string::npos, message);
  CHECK_MESSAGE(message.find("1 record refused (truncated)") != std::string::npos, message);
  CHECK(alerts.front().at("patient_id").as_string() != "");
}

TEST_CASE(
    "serial e2e: invariant 13: a meter's port is there but the hub cannot open it -> the other "
    "meter's readings stored, device.unreadable names the port and why for the care team, once") {
  const std::string serial = "BPSIM0777";
  SystemUnderTest sys;
  sys.extra_server_config = "technical_check_ms = 200\ndevice_unreadable_after_s = 2\n";
  // A node that is there and is not a terminal: the open fails as it does for a meter whose
  // node the hub's user may not open (the test runs as root, which opens any node).
  const auto node = sys.dir().path() / "dev-unreadable";
  { std::ofstream(node.string()) << "not a tty"; }
  sys.extra_gateway_config = "device = astm_glucose " + node.string() + "\n";
  sys.start_broker();
  sys.start_server({serial});
  sys.start_device(
      {serial, {"measure", "121/79/66", "wait", "500", "measure", "124/80/64"}, {}, "astm-bp"});
  sys.start_gateway();
  REQUIRE_MESSAGE(eventually([&] { return sys.server_reading_uids().size() == 2; }, 30s),
                  sys.diagnostics());
  REQUIRE_MESSAGE(eventually([&] { return !alerts_of(sys, "device.unreadable").empty(); }, 30s),
                  sys.diagnostics());
  std::this_thread::sleep_for(3s);  // more heartbeats and checks of the same state: no new alert
  const auto alerts = alerts_of(sys, "device.unreadable");
  CHECK(alerts.size() == 1);
  const std::string message(alerts.front().at("message").as_string());
  CHECK_MESSAGE(message.find("on port " + node.string()) != std::string::npos, message);
  CHECK_MESSAGE(message.find("(not_serial)") != std::string::npos, message);
  CHECK(alerts.front().at("patient_id").as_string() != "");
  CHECK(alerts.front().at("crossings").as_int64() == 1);
}
