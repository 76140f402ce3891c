// Issue 14: a Contour Next meter on USB HID. firmware-sim serves it as a pseudo hidraw node
// (ASTM inside 64-byte reports, a fake udev/sysfs entry with its USB ids); the running hub finds
// it by vendor/product id, drives the same ASTM session as a serial meter, and every result
// reaches the server store exactly once, across a pull mid-transfer and a replug after which
// the meter dumps its whole memory again (as Contour meters do on every connection). Malformed
// reports are refused with a clear error and counted; the link stays up.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

#include "tests/integration/system.h"

using namespace kotona::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kContour = "7390-2345678";

// Every ledger uid stored exactly once, nothing else stored, outbox drained.
void check_exactly_once(SystemUnderTest& sys, std::size_t expected) {
  REQUIRE_MESSAGE(eventually([&] { return sys.ledger_uids().size() == expected; }, 60s),
                  sys.diagnostics());
  REQUIRE_MESSAGE(eventually([&] { return sys.server_reading_uids().size() >= expected; }, 60s),
                  sys.diagnostics());
  const auto ledger = sys.ledger_uids();
  auto stored = sys.server_reading_uids();
  CHECK(std::set<std::string>(ledger.begin(), ledger.end()).size() == expected);
  for (const auto& uid : ledger) CHECK_MESSAGE(stored[uid] == 1, uid);
  CHECK(stored.size() == expected);
  CHECK_MESSAGE(eventually([&] { return sys.outbox_rows() == 0; }, 30s), sys.diagnostics());
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE(
    "astm_glucose e2e: USB HID Contour meter (issue 14): hot-plugged then pulled mid-transfer and "
    "replugged -> "
    "each result stored exactly once and bad reports refused and counted") {
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({kContour});
  sys.start_gateway();  // the meter appears while the hub runs
  SimDevice meter{kContour,
                  {"measure",
                   "133mgdl",
                   "measure",
                   "98mgdl",
                   "wait",
                   "800",
                   "bad-report",
                   "2",
                   "wait",
                   "300",
                   "unplug-mid-frame",
                   "measure",
                   "142mgdl",
                   "wait",
                   "1500",
                   "replug",
                   "wait",
                   "1500",
                   "control",
                   "measure",
                   "101mgdl"},
                  {"--dialect", "contour", "--meal", "BEFORE", "--retry-ms", "300",
                   "--reply-timeout-ms", "2000", "--resend-on-connect", "on"},
                  "astm-glucose"};
  meter.hid_node = "hidraw3";
  sys.start_device(meter);
  check_exactly_once(sys, 5);

  const std::string log = sys.gateway_log();
  CHECK_MESSAGE(log.find("found USB HID 1a79:7410 at ") != std::string::npos, log);
  CHECK_MESSAGE(log.find("astm_glucose at ") != std::string::npos, log);
  CHECK_MESSAGE(log.find("unplugged") != std::string::npos, log);
  CHECK_MESSAGE(log.find("is back") != std::string::npos, log);
  CHECK_MESSAGE(log.find("length byte 61 over 60") != std::string::npos, log);
  CHECK_MESSAGE(log.find("short report: 10 bytes, expected 64") != std::string::npos, log);
  CHECK(count(log, "found USB HID") == 1);  // replugged under the same node: the same device
  const std::string device = sys.device_log(kContour);
  CHECK(device.find("unplugging mid-frame") != std::string::npos);
  CHECK(count(device, "hid: host opened") >= 2);

  std::size_t controls = 0;
  for (const auto& r : sys.get_json_array("/api/v1/readings")) {
    const auto& o = r.as_object();
    CHECK(o.at("quality").at("device_time_precision").as_string() == "minute");
    if (o.at("quality").at("control_result").as_bool()) ++controls;
  }
  CHECK(controls == 1);
}
