// Issue 13 §1: a reading published on the hub's readings topic for BPSIM0002 record 28
// (120/80) before the meter reached record 28; then the real record 28 (185/115) comes through
// the real chain (firmware-sim -> gateway -> mosquitto -> server). Both values are stored (the
// later under a derived uid, flagged uid_conflict), the crisis rule fires on 185/115, and a
// technical alert names both values. Runs on both store backends (integration_test
// [postgresql]). Before issue 13 the real reading stayed in quarantine with no alert.
#include <doctest/doctest.h>
#include <mqtt/async_client.h>

#include "proto/codec/wire.h"
#include "tests/integration/system.h"

using namespace kotona;
using namespace kotona::test;
using namespace std::chrono_literals;

namespace {

const std::string kSerial = "BPSIM0002";

// What a forger (or a hub replaying an early record) publishes: record 28, 120/80.
void publish_early_record_28(SystemUnderTest& sys) {
  GatewayId gw{sys.gateway_id()};
  auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  Reading r;
  r.device = DeviceIdentity{"Kotona", "SIM-BP1", DeviceSerial{kSerial}, "1.0", "astm_bp"};
  r.record_id = "28";
  r.device_time = std::chrono::floor<std::chrono::seconds>(now - 5min);
  r.hub_time = now;
  r.clock_offset = std::chrono::seconds{0};
  r.measurement = BloodPressure{120, 80, std::nullopt, 60.0};
  finalize_reading(gw, r);
  std::vector<std::string> payloads{wire::encode_reading(r)};
  auto batch = wire::encode_batch(gw, 900001, now, payloads);
  REQUIRE(batch.has_value());
  mqtt::async_client client(sys.broker().uri(), "kotona-test-forger",
                            mqtt::create_options(MQTTVERSION_5));
  client.connect(mqtt::connect_options_builder().mqtt_version(MQTTVERSION_5).finalize())->wait();
  client.publish("kotona/v1/gw/" + gw.value + "/readings", *batch, 1, false)->wait();
  client.disconnect()->wait();
}

std::map<std::string, boost::json::object> readings_by_uid(SystemUnderTest& sys) {
  std::map<std::string, boost::json::object> out;
  for (const auto& r : sys.get_json_array("/api/v1/readings")) {
    out[std::string(r.as_object().at("reading_uid").as_string())] = r.as_object();
  }
  return out;
}

double systolic(const boost::json::object& reading) {
  return reading.at("values").at("systolic_mmhg").to_number<double>();
}

}  // namespace

TEST_CASE(
    "issue 13: early record 28 (120/80) then the real record 28 (185/115) -> both stored and "
    "the crisis alert and a technical alert naming both values raised") {
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({kSerial});
  publish_early_record_28(sys);
  const std::string uid = sys.expected_uid(kSerial, "28");
  REQUIRE_MESSAGE(eventually([&] { return readings_by_uid(sys).contains(uid); }, 15s),
                  sys.diagnostics());

  sys.start_device({kSerial, {"measure", "185/115/80"}, {"--first-record", "28"}});
  sys.start_gateway();
  REQUIRE_MESSAGE(eventually([&] { return readings_by_uid(sys).size() == 2; }, 30s),
                  sys.diagnostics());
  auto readings = readings_by_uid(sys);
  REQUIRE(readings.contains(uid));
  CHECK(systolic(readings.at(uid)) == 120);
  CHECK(readings.at(uid).at("quality").at("uid_conflict").as_bool() == false);
  std::string derived;
  for (const auto& [stored_uid, r] : readings) {
    if (stored_uid != uid) derived = stored_uid;
  }
  CHECK(derived.rfind(uid + "~c", 0) == 0);
  REQUIRE(readings.contains(derived));
  CHECK(systolic(readings.at(derived)) == 185);
  CHECK(readings.at(derived).at("quality").at("uid_conflict").as_bool());

  bool crisis = false, technical = false;
  REQUIRE_MESSAGE(eventually(
                      [&] {
                        for (const auto& a : sys.get_json_array("/api/v1/alerts")) {
                          const auto& o = a.as_object();
                          std::string rule(o.at("rule_id").as_string());
                          std::string message(o.at("message").as_string());
                          if (rule == "bp.crisis" && o.at("reading_uid").as_string() == derived) {
                            crisis = true;
                          }
                          if (rule == "reading.uid_conflict" &&
                              message.find("\"systolic_mmhg\":120") != std::string::npos &&
                              message.find("\"systolic_mmhg\":185") != std::string::npos) {
                            technical = true;
                          }
                        }
                        return crisis && technical;
                      },
                      15s),
                  sys.diagnostics());
  // The gateway's row was acked (stored, not quarantined) and leaves the outbox.
  CHECK_MESSAGE(eventually([&] { return sys.outbox_rows() == 0; }, 15s), sys.diagnostics());
}
