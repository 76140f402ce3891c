// Issue 6: a device moved from patient A to patient B at time T with kotona-admin (the real
// CLI against the real server's API), readings through the real ingest path (MQTT -> server):
// readings measured before T stay A's, even when they arrive after the move; readings
// measured from T on are B's. Runs on both store backends (integration_test [postgresql]).
#include <doctest/doctest.h>
#include <mqtt/async_client.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>

#include "proto/codec/wire.h"
#include "tests/integration/system.h"

using namespace kotona;
using namespace kotona::test;
using namespace std::chrono_literals;

namespace {

const DeviceSerial kDevice{"BPMOVE1"};

std::string iso(HubTime t) {
  auto secs = std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A blood pressure measured at `at` by a device with a correct clock, as the gateway sends it.
std::string reading_measured_at(const GatewayId& gw, int record, HubTime at) {
  Reading r;
  r.device.serial = kDevice;
  r.device.driver = "astm_bp";
  r.record_id = std::to_string(record);
  r.device_time = std::chrono::floor<std::chrono::seconds>(at);
  r.hub_time =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  r.clock_offset = std::chrono::seconds{0};
  r.measurement = BloodPressure{120.0 + record, 80, std::nullopt, 60.0};
  finalize_reading(gw, r);
  return wire::encode_reading(r);
}

void publish_batch(SystemUnderTest& sys, std::uint64_t batch_id,
                   const std::vector<std::string>& readings) {
  GatewayId gw{sys.gateway_id()};
  auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  auto batch = wire::encode_batch(gw, batch_id, now, readings);
  REQUIRE(batch.has_value());
  mqtt::async_client client(sys.broker().uri(), "kotona-test-move",
                            mqtt::create_options(MQTTVERSION_5));
  client.connect(mqtt::connect_options_builder().mqtt_version(MQTTVERSION_5).finalize())->wait();
  client.publish("kotona/v1/gw/" + gw.value + "/readings", *batch, 1, false)->wait();
  client.disconnect()->wait();
}

struct AdminRun {
  int exit_code;
  std::string output;
};

// Runs kotona-admin with $KOTONA_URL / $KOTONA_TOKEN of this process.
AdminRun admin(SystemUnderTest& sys, std::vector<std::string> args) {
  static int runs = 0;
  args.insert(args.begin(), bin("admin/kotona-admin"));
  Child child(args, sys.dir() / ("admin-" + std::to_string(++runs) + ".log"));
  REQUIRE(eventually([&] { return !child.running(); }, 20s));
  int code = child.stop();
  return {code, child.log_text()};
}

// reading values' systolic -> patient, as the API lists them.
std::map<int, std::string> patients_by_systolic(SystemUnderTest& sys) {
  std::map<int, std::string> out;
  for (const auto& r : sys.get_json_array("/api/v1/readings")) {
    const auto& o = r.as_object();
    auto systolic = o.at("values").at("systolic_mmhg").to_number<double>();
    out[static_cast<int>(systolic)] = std::string(o.at("patient_id").as_string());
  }
  return out;
}

}  // namespace

TEST_CASE(
    "device moved A -> B at T with kotona-admin -> readings measured before T stay A's, "
    "from T on B's (real ingest, late upload included)") {
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({});
  auto token = http_login(sys.http_port(), "admin", kTestPassword);
  REQUIRE(token.has_value());
  ::setenv("KOTONA_URL", ("http://127.0.0.1:" + std::to_string(sys.http_port())).c_str(), 1);
  ::setenv("KOTONA_TOKEN", token->c_str(), 1);
  const std::string gw = sys.gateway_id();
  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  const HubTime t = std::chrono::floor<std::chrono::seconds>(now - 1h);  // the move

  REQUIRE(admin(sys, {"patient", "add", "patient-a"}).exit_code == 0);
  auto b = admin(sys, {"patient", "add", "patient-b", "--hetu", "131052-308T"});
  REQUIRE_MESSAGE(b.exit_code == 0, b.output);
  auto bad = admin(sys, {"patient", "add", "patient-x", "--hetu", "131052-308X"});
  CHECK(bad.exit_code == 2);
  CHECK_MESSAGE(bad.output.find("check character") != std::string::npos, bad.output);
  auto first = admin(sys, {"enrol", gw, kDevice.value, "patient-a", "--from", iso(t - 24h)});
  REQUIRE_MESSAGE(first.exit_code == 0, first.output);

  // 121: measured 2 h before the move, sent before it.
  publish_batch(sys, 1, {reading_measured_at(GatewayId{gw}, 1, t - 2h)});
  REQUIRE_MESSAGE(eventually([&] { return patients_by_systolic(sys).size() == 1; }, 15s),
                  sys.diagnostics());

  auto moved = admin(sys, {"enrol", gw, kDevice.value, "patient-b", "--from", iso(t)});
  REQUIRE_MESSAGE(moved.exit_code == 0, moved.output);
  CHECK(moved.output.find("patient-a") != std::string::npos);  // the closed binding

  // After the move: 122 measured 1 min before T (a late upload), 123 one minute after T,
  // 124 exactly at T.
  publish_batch(
      sys, 2,
      {reading_measured_at(GatewayId{gw}, 2, t - 1min),
       reading_measured_at(GatewayId{gw}, 3, t + 1min), reading_measured_at(GatewayId{gw}, 4, t)});
  REQUIRE_MESSAGE(eventually([&] { return patients_by_systolic(sys).size() == 4; }, 15s),
                  sys.diagnostics());
  auto owner = patients_by_systolic(sys);
  CHECK(owner[121] == "patient-a");
  CHECK(owner[122] == "patient-a");
  CHECK(owner[123] == "patient-b");
  CHECK(owner[124] == "patient-b");

  auto history = admin(sys, {"enrolment", "list", "--device", kDevice.value});
  CHECK(history.exit_code == 0);
  CHECK(history.output.find(iso(t).substr(0, 19)) != std::string::npos);
  // Moving back to T would contradict stored readings: refused (409 -> exit 1).
  auto back = admin(sys, {"enrol", gw, kDevice.value, "patient-a", "--from", iso(t)});
  CHECK(back.exit_code == 1);
  CHECK(back.output.find("409") != std::string::npos);
  // The audit log holds every write, its chain intact; the henkilötunnus in no log.
  auto audit = sys.get_json_array("/api/v1/audit");
  std::size_t writes = 0;  // two patients, two enrolments; the hub's `manual` follows itself
  for (const auto& row : audit) {
    if (!row.at("action").as_string().starts_with("enrol.auto")) ++writes;
  }
  CHECK(writes == 4);
  CHECK(boost::json::serialize(audit).find("131052") == std::string::npos);
  std::ifstream server_log(sys.dir() / "server-1.log");
  std::string server_text((std::istreambuf_iterator<char>(server_log)),
                          std::istreambuf_iterator<char>());
  CHECK(server_text.find("patient registered by admin") != std::string::npos);
  CHECK(server_text.find("131052") == std::string::npos);
  ::unsetenv("KOTONA_TOKEN");
  CHECK(admin(sys, {"patient", "list"}).exit_code == 3);
}

TEST_CASE(
    "issue 13: reading from a device not yet enrolled -> held, kotona-admin quarantine list "
    "shows it, enrol, quarantine release -> stored for the patient") {
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({});
  auto token = http_login(sys.http_port(), "admin", kTestPassword);
  REQUIRE(token.has_value());
  ::setenv("KOTONA_URL", ("http://127.0.0.1:" + std::to_string(sys.http_port())).c_str(), 1);
  ::setenv("KOTONA_TOKEN", token->c_str(), 1);
  const GatewayId gw{sys.gateway_id()};
  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  publish_batch(sys, 1, {reading_measured_at(gw, 1, now - 10min)});

  AdminRun held;
  REQUIRE(eventually(
      [&] {
        held = admin(sys, {"quarantine", "list", "--held", "--reason", "not_enrolled"});
        return held.output.find("held, releasable") != std::string::npos;
      },
      20s));
  CHECK(held.exit_code == 0);
  CHECK(held.output.find(kDevice.value) != std::string::npos);
  // ID is the first column of the one item line.
  auto line = held.output.substr(held.output.find('\n') + 1);
  const std::string id = line.substr(0, line.find('\t'));

  auto early = admin(sys, {"quarantine", "release", id});
  CHECK(early.exit_code == 1);  // still not enrolled: refused (409), the item stays held
  REQUIRE(admin(sys, {"patient", "add", "patient-q"}).exit_code == 0);
  REQUIRE(admin(sys, {"enrol", gw.value, kDevice.value, "patient-q", "--from", iso(now - 24h)})
              .exit_code == 0);
  auto released = admin(sys, {"quarantine", "release", id});
  CHECK(released.exit_code == 0);
  CHECK(released.output.find("released item " + id) != std::string::npos);
  CHECK(patients_by_systolic(sys) == std::map<int, std::string>{{121, "patient-q"}});
  auto again = admin(sys, {"quarantine", "release", id});
  CHECK(again.exit_code == 1);                                            // released once only
  CHECK(admin(sys, {"quarantine", "release", "999999"}).exit_code == 1);  // 404
}
