// Issue 4: INR and glucose meters (ASTM) and the pacemaker / ICD home relay, each simulated on
// a pty by firmware-sim, reach the server exactly once with their MDC codes and UCUM units
// (read off the MQTT wire), survive unplug / replug (the relay mid-frame), NAK storms and
// garbage with clear errors, and a meter re-sending its memory with a stopped clock adds nothing.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "proto/codec/wire.h"
#include "tests/integration/system.h"

namespace wire = kotona::wire;
using namespace kotona::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kInr = "INRSIM0001";
constexpr const char* kGlucose = "GLUSIM0001";
constexpr const char* kImplant = "ICDSIM0001";

// Readings by uid (the last copy seen) in every ReadingBatch the tap saw.
std::map<std::string, wire::ReadingFields> readings_on(const BrokerTap& tap) {
  std::map<std::string, wire::ReadingFields> out;
  for (const auto& payload : tap.payloads()) {
    auto batch = wire::batch_fields(payload);
    if (!batch) continue;
    for (auto& [uid, fields] : *batch) out[uid] = std::move(fields);
  }
  return out;
}

void check_quantity(const wire::ReadingFields& fields, const std::string& path, double value,
                    unsigned mdc, const std::string& ucum) {
  CAPTURE(path);
  auto it = fields.find(path);
  REQUIRE(it != fields.end());
  CHECK(it->second.value == doctest::Approx(value));
  CHECK(it->second.mdc_code == mdc);
  CHECK(it->second.ucum == ucum);
}

std::string text_of(const wire::ReadingFields& fields, const std::string& path) {
  auto it = fields.find(path);
  return it == fields.end() ? std::string("(absent)") : it->second.text;
}

// Every ledger uid stored exactly once, nothing else stored, outbox drained.
void check_exactly_once(SystemUnderTest& sys, std::size_t expected) {
  REQUIRE_MESSAGE(eventually([&] { return sys.ledger_uids().size() == expected; }, 60s),
                  sys.diagnostics());
  REQUIRE_MESSAGE(eventually([&] { return sys.server_reading_uids().size() >= expected; }, 60s),
                  sys.diagnostics());
  auto ledger = sys.ledger_uids();
  auto stored = sys.server_reading_uids();
  CHECK(std::set<std::string>(ledger.begin(), ledger.end()).size() == expected);
  for (const auto& uid : ledger) CHECK_MESSAGE(stored[uid] == 1, uid);
  CHECK(stored.size() == expected);
  CHECK_MESSAGE(eventually([&] { return sys.outbox_rows() == 0; }, 30s), sys.diagnostics());
}

std::map<std::string, boost::json::object> server_readings(SystemUnderTest& sys) {
  std::map<std::string, boost::json::object> out;
  for (const auto& r : sys.get_json_array("/api/v1/readings")) {
    out[std::string(r.at("reading_uid").as_string())] = r.as_object();
  }
  return out;
}

}  // namespace

TEST_CASE(
    "astm_inr astm_glucose implant_relay e2e: INR, glucose and implant relay -> each stored "
    "exactly once, codes and units on the wire") {
  SystemUnderTest sys;
  sys.start_broker();
  BrokerTap tap(sys, "kotona/v1/gw/+/readings", "wire.hex");
  sys.start_server({kInr, kGlucose, kImplant});
  sys.start_device({kInr, {"measure", "2.6", "measure", "3.4"}, {}, "astm-inr"});
  sys.start_device(
      {kGlucose, {"measure", "5.4", "measure", "97mgdl"}, {"--meal", "BEFORE"}, "astm-glucose"});
  sys.start_device(
      {kImplant, {"measure", "ok", "measure", "rrt", "measure", "shock"}, {}, "implant-relay"});
  sys.start_gateway();
  check_exactly_once(sys, 7);

  auto stored = server_readings(sys);
  const auto uid = [&](const char* serial, const std::string& record, const char* kind) {
    return sys.expected_uid(serial, record, kind);
  };
  CHECK(stored[uid(kInr, "1", "inr")].at("values").at("ratio").to_number<double>() == 2.6);
  CHECK(stored[uid(kInr, "2", "inr")].at("values").at("ratio").to_number<double>() == 3.4);
  CHECK(stored[uid(kGlucose, "2", "glucose")].at("values").at("mmol_per_l").to_number<double>() ==
        5.4);
  const auto& rrt = stored[uid(kImplant, "RLYSIM0001-2", "implant")];
  REQUIRE_FALSE(rrt.empty());
  CHECK(rrt.at("patient_id").as_string() == "patient-3");
  CHECK(rrt.at("values").at("battery_status").as_string() == "rrt_eri");
  CHECK(rrt.at("values").at("longevity_months").to_number<double>() == 3);
  const auto& shock = stored[uid(kImplant, "RLYSIM0001-3", "implant")];
  REQUIRE_FALSE(shock.empty());
  CHECK(shock.at("values").at("shocks_delivered").to_number<double>() == 1);
  CHECK(shock.at("values").at("right_ventricle").at("lead_impedance_ohm").to_number<double>() ==
        560);

  auto on_wire = readings_on(tap);
  REQUIRE_MESSAGE(eventually([&] { return (on_wire = readings_on(tap)).size() == 7; }, 10s),
                  sys.diagnostics());
  const auto& inr = on_wire[uid(kInr, "1", "inr")];
  check_quantity(inr, "inr.ratio", 2.6, 188492, "{INR}");
  check_quantity(inr, "inr.prothrombin_time", 31.2, 188496, "s");
  const auto& glucose = on_wire[uid(kGlucose, "2", "glucose")];
  check_quantity(glucose, "glucose.concentration", 5.4, 160184, "mmol/L");
  CHECK(text_of(glucose, "glucose.meal") == "MEAL_MARKER_PREPRANDIAL");
  const auto& implant = on_wire[uid(kImplant, "RLYSIM0001-3", "implant")];
  CHECK(text_of(implant, "implant.battery_status") == "BATTERY_STATUS_OK");
  check_quantity(implant, "implant.battery_voltage", 2.79, 721344, "V");
  check_quantity(implant, "implant.longevity", 96, 721472, "mo");
  check_quantity(implant, "implant.right_atrium.lead_impedance", 480, 722432, "Ohm");
  check_quantity(implant, "implant.right_ventricle.lead_impedance", 560, 722433, "Ohm");
  check_quantity(implant, "implant.right_ventricle.sensing_amplitude", 11.2, 722055, "mV");
  check_quantity(implant, "implant.right_ventricle.capture_threshold", 1.0, 722177, "V");
  check_quantity(implant, "implant.right_ventricle.paced_percent", 3, 0, "%");
  // "not available" stays absent
  CHECK(implant.count("implant.left_ventricle.lead_impedance") == 0);
  check_quantity(implant, "implant.at_af_burden", 0.4, 0, "%");
  CHECK(text_of(implant, "implant.shocks_delivered") == "1");
  CHECK(text_of(implant, "implant.atp_therapies") == "2");
  CHECK(text_of(implant, "implant.vt_vf_episodes") == "1");
}

TEST_CASE(
    "astm_glucose e2e: Contour-dialect glucose meter (issue 14) -> stored once, to the minute, "
    "markers kept") {
  // firmware-sim --dialect contour: Bayer H.5, R with no O, 12-digit times, ETB per record.
  constexpr const char* kContour = "7390-1234567";
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({kContour});
  sys.start_device({kContour,
                    {"measure", "133mgdl", "control", "measure", "98mgdl"},
                    {"--dialect", "contour", "--meal", "BEFORE"},
                    "astm-glucose"});
  sys.start_gateway();
  check_exactly_once(sys, 3);
  std::size_t controls = 0;
  for (const auto& [uid, r] : server_readings(sys)) {
    CAPTURE(uid);
    CHECK(uid.find("/rt20") != std::string::npos);  // record id: test time and value
    CHECK(r.at("quality").at("device_time_precision").as_string() == "minute");
    if (r.at("quality").at("control_result").as_bool()) {
      ++controls;
    } else {
      CHECK(r.at("values").at("meal").as_string() == "preprandial");
    }
  }
  CHECK(controls == 1);
}

TEST_CASE(
    "astm_inr astm_glucose e2e: cobas-class (record per ETB frame) and Afinion-class (one frame) "
    "framing -> stored once") {
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({kInr, kGlucose});
  sys.start_device(
      {kInr, {"measure", "2.6", "measure", "3.1"}, {"--framing", "etb-per-record"}, "astm-inr"});
  sys.start_device({kGlucose, {"measure", "5.4"}, {"--framing", "one-frame"}, "astm-glucose"});
  sys.start_gateway();
  check_exactly_once(sys, 3);
}

TEST_CASE(
    "astm_inr e2e: Afinion-class: whole message in one frame over 240 characters -> read, stored "
    "once") {
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({kInr});
  // INR + PT + a 64-character strip lot: about 300 characters in the one frame.
  sys.start_device({kInr,
                    {"measure", "2.6", "measure", "3.4"},
                    {"--framing", "one-frame", "--strip-lot", std::string(64, 'L')},
                    "astm-inr"});
  sys.start_gateway();
  check_exactly_once(sys, 2);
  CHECK(sys.gateway_log().find("frame text over") == std::string::npos);
}

TEST_CASE(
    "astm_inr implant_relay e2e: unplug / replug (relay mid-frame), NAK storm, garbage -> clear "
    "errors, exactly once") {
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({kInr, kGlucose, kImplant});
  sys.start_device(
      {kImplant,
       {"measure", "ok", "garbage", "50", "wait", "300", "unplug-mid-frame", "measure", "af",
        "wait", "1500", "replug", "wait", "500", "nak-storm", "2", "measure", "shock"},
       {"--retry-ms", "300"},
       "implant-relay"});
  sys.start_device({kInr,
                    {"measure", "2.2", "unplug-mid-frame", "measure", "2.9", "wait", "1500",
                     "replug", "wait", "500", "measure", "3.1"},
                    {"--retry-ms", "300"},
                    "astm-inr"});
  sys.start_device(
      {kGlucose,
       {"measure", "6.0", "nak-storm", "6", "measure", "4.4", "garbage", "30", "measure", "3.9"},
       {"--retry-ms", "300"},
       "astm-glucose"});
  sys.start_gateway();
  check_exactly_once(sys, 9);
  const std::string log = sys.gateway_log();
  CHECK(log.find("implant_relay at") != std::string::npos);
  CHECK_MESSAGE(log.find("unplugged") != std::string::npos, log);
  CHECK_MESSAGE(log.find("frame CRC mismatch") != std::string::npos, log);
  CHECK_MESSAGE(log.find("outside a frame") != std::string::npos, log);
  CHECK(sys.device_log(kImplant).find("unplugging mid-frame") != std::string::npos);
  CHECK(sys.device_log(kInr).find("unplugging mid-frame") != std::string::npos);
  CHECK(sys.device_log(kImplant).find("refused hub frame") == std::string::npos);  // read-only
}

TEST_CASE(
    "astm_inr astm_glucose implant_relay e2e: meters re-send their whole memory on every "
    "connection, clock stopped -> no new readings") {
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({kInr, kGlucose, kImplant});
  const std::vector<std::string> clock{"--clock-fixed", "20261101080000", "--retry-ms", "300"};
  sys.start_device(
      {kGlucose,
       {"measure", "5.0", "measure", "6.0", "measure", "7.0", "resend-all", "unplug", "wait",
        "1200", "replug", "wait", "800", "unplug", "wait", "1200", "replug"},
       {"--clock-fixed", "20261101080000", "--retry-ms", "300", "--resend-on-connect", "on"},
       "astm-glucose"});
  sys.start_device(
      {kInr, {"measure", "2.5", "measure", "2.5", "resend-all", "resend-all"}, clock, "astm-inr"});
  sys.start_device(
      {kImplant, {"measure", "ok", "resend-all", "resend-all"}, clock, "implant-relay"});
  sys.start_gateway();
  check_exactly_once(sys, 6);
  // Every re-send has been answered (the devices log each delivery); nothing new appeared.
  REQUIRE(eventually(
      [&] {
        const std::string g = sys.device_log(kGlucose);
        std::size_t n = 0;
        for (auto p = g.find("delivered records"); p != std::string::npos;
             p = g.find("delivered records", p + 1)) {
          ++n;
        }
        return n >= 5;
      },
      30s));
  std::this_thread::sleep_for(1s);
  CHECK(sys.server_reading_uids().size() == 6);
  auto stored = server_readings(sys);
  std::set<std::string> glucose_times;
  for (const auto& [uid, r] : stored) {
    if (uid.find(kGlucose) != std::string::npos) {
      glucose_times.insert(std::string(r.at("device_time").as_string()));
    }
  }
  CHECK(glucose_times.size() == 1);  // one stopped clock, still three distinct readings
}

TEST_CASE(
    "astm_inr implant_relay e2e: hot-plug by stable name: relay found in by-id, meter by bare "
    "name, both replugged") {
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({kInr, kImplant});
  // The INR meter is configured by its bare by-id name but unplugged when the gateway starts.
  sys.start_device({kInr,
                    {"unplug", "wait", "1500", "replug", "measure", "2.4", "wait", "800", "unplug",
                     "measure", "2.8", "wait", "1200", "replug"},
                    {"--retry-ms", "300"},
                    "astm-inr",
                    "usb-Prolific_Technology_PL2303-if00-port0"});
  sys.start_gateway();
  // The relay is not configured at all: found by its driver's by-id pattern once it appears.
  sys.start_device({kImplant,
                    {"measure", "ok", "wait", "800", "unplug", "wait", "1200", "replug", "wait",
                     "300", "measure", "shock"},
                    {"--retry-ms", "300"},
                    "implant-relay",
                    "usb-Kotona_Implant_Relay_RLYSIM0001-if00-port0"});
  check_exactly_once(sys, 4);
  const std::string log = sys.gateway_log();
  CHECK_MESSAGE(log.find("found ") != std::string::npos, log);
  CHECK_MESSAGE(log.find("implant_relay at") != std::string::npos, log);
  CHECK_MESSAGE(log.find("is back") != std::string::npos, log);
}
