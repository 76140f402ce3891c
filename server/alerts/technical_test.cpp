#include "server/alerts/technical.h"

#include <doctest/doctest.h>

using namespace kotona;
using namespace kotona::server::alerts;
using namespace std::chrono_literals;

namespace {

const HubTime kNow{std::chrono::milliseconds{1'790'000'000'000}};

GatewayView gateway(std::optional<HubTime> last_heard) {
  GatewayView g;
  g.gateway = GatewayId{"gw-1"};
  g.last_heard = last_heard;
  g.patients = {PatientId{"p1"}, PatientId{"p2"}};
  return g;
}

}  // namespace

TEST_CASE("gateway.silent: fires at the window, one high alert per enrolled patient") {
  TechnicalConfig c;  // 300 s
  CHECK(evaluate_gateway(gateway(kNow - 299s), kNow, HubTime{}, c).empty());
  auto out = evaluate_gateway(gateway(kNow - 300s), kNow, HubTime{}, c);
  REQUIRE(out.size() == 2);
  CHECK(out[0].rule_id == "gateway.silent");
  CHECK(out[0].priority == Priority::kHigh);
  CHECK(out[0].patient.value == "p1");
  CHECK(out[1].patient.value == "p2");
  CHECK(out[0].message.find("silent for 5 min") != std::string::npos);
  CHECK(out[0].alert_id() != out[1].alert_id());
}

TEST_CASE("gateway.silent: same silence later -> same alert ids (one alert per episode)") {
  TechnicalConfig c;
  auto a = evaluate_gateway(gateway(kNow - 400s), kNow, HubTime{}, c);
  auto b = evaluate_gateway(gateway(kNow - 400s), kNow + 1h, HubTime{}, c);
  REQUIRE(a.size() == 2);
  REQUIRE(b.size() == 2);
  CHECK(a[0].alert_id() == b[0].alert_id());
  // A new silence after the gateway was heard again is a new episode.
  auto c2 = evaluate_gateway(gateway(kNow + 10s), kNow + 1h, HubTime{}, c);
  REQUIRE(c2.size() == 2);
  CHECK(c2[0].alert_id() != a[0].alert_id());
}

TEST_CASE("gateway.silent: counted from when the server could listen, also if never heard") {
  TechnicalConfig c;
  // Heard an hour ago, but the server only got its subscription back 60 s ago.
  CHECK(evaluate_gateway(gateway(kNow - 1h), kNow, kNow - 60s, c).empty());
  CHECK(evaluate_gateway(gateway(std::nullopt), kNow, kNow - 60s, c).empty());
  auto never = evaluate_gateway(gateway(std::nullopt), kNow, kNow - 301s, c);
  REQUIRE(never.size() == 2);
  // Episode "never": a server restart (new listening_since) keeps the same alert.
  auto again = evaluate_gateway(gateway(std::nullopt), kNow + 1h, kNow, c);
  REQUIRE(again.size() == 2);
  CHECK(never[0].alert_id() == again[0].alert_id());
}

TEST_CASE("gateway without patients -> one system alert") {
  auto g = gateway(kNow - 1h);
  g.patients.clear();
  auto out = evaluate_gateway(g, kNow, HubTime{}, TechnicalConfig{});
  REQUIRE(out.size() == 1);
  CHECK(out[0].patient.value.empty());
}

TEST_CASE("gateway.outbox_backlog: by rows or by age (gateway clock difference)") {
  TechnicalConfig c;  // 1000 rows, 3600 s
  auto g = gateway(kNow);
  g.status_sent_unix_ms = 5'000'000;  // a clock years off: only the difference counts
  g.oldest_unacked_unix_ms = 5'000'000 - 60'000;
  g.outbox_depth = 999;
  CHECK(evaluate_gateway(g, kNow, HubTime{}, c).empty());
  g.outbox_depth = 1000;
  auto by_rows = evaluate_gateway(g, kNow, HubTime{}, c);
  REQUIRE(by_rows.size() == 2);
  CHECK(by_rows[0].rule_id == "gateway.outbox_backlog");
  CHECK(by_rows[0].message.find("1000 undelivered readings") != std::string::npos);
  g.outbox_depth = 3;
  g.oldest_unacked_unix_ms = 5'000'000 - 3'600'000;
  CHECK(evaluate_gateway(g, kNow, HubTime{}, c).size() == 2);
  g.oldest_unacked_unix_ms = 0;  // empty outbox
  g.outbox_depth = 0;
  CHECK(evaluate_gateway(g, kNow, HubTime{}, c).empty());
}

TEST_CASE("device.needs_pairing: one alert per device in that state") {
  auto g = gateway(kNow);
  g.patients = {PatientId{"p1"}};
  g.devices = {{"BP1", "connected", 1}, {"GL1", "needs_pairing", 77}};
  auto out = evaluate_gateway(g, kNow, HubTime{}, TechnicalConfig{});
  REQUIRE(out.size() == 1);
  CHECK(out[0].rule_id == "device.needs_pairing");
  CHECK(out[0].subject == "gw-1/GL1");
}

TEST_CASE(
    "device.record_refused: per device and reason, naming count and reason, a new refusal "
    "is a new episode of the same subject, none without refusals") {
  auto g = gateway(kNow);
  g.patients = {PatientId{"p1"}, PatientId{"p2"}};
  g.devices = {{"GL1", "connected", 1, {{"malformed", 2, 5000}, {"out_of_range", 0, 0}}},
               {"", "connected", 1, {{"truncated", 1, 6000}}, "/dev/ttyUSB0"},
               {"BP1", "connected", 1}};
  auto out = evaluate_gateway(g, kNow, HubTime{}, TechnicalConfig{});
  REQUIRE(out.size() == 4);  // two devices x two patients; a zero count is nothing
  CHECK(out[0].rule_id == "device.record_refused");
  CHECK(out[0].subject == "gw-1/GL1");
  CHECK(out[0].patient.value == "p1");
  CHECK(out[1].patient.value == "p2");
  CHECK(out[0].message.find("Device GL1 on hub gw-1: 2 records refused (malformed)") == 0);
  CHECK(out[2].subject == "gw-1//dev/ttyUSB0");
  CHECK(out[2].message.find("on port /dev/ttyUSB0") != std::string::npos);
  const auto first = out[0].alert_id();
  g.devices[0].refused[0] = {"malformed", 3, 9000};
  auto again = evaluate_gateway(g, kNow, HubTime{}, TechnicalConfig{});
  CHECK(again[0].subject == out[0].subject);
  CHECK(again[0].alert_id() != first);
  g.devices.resize(1);
  g.devices[0].refused.clear();
  CHECK(evaluate_gateway(g, kNow, HubTime{}, TechnicalConfig{}).empty());
}

TEST_CASE(
    "device.no_skin_contact: a run of no_skin_contact values lasting the limit -> one per "
    "patient, episode = the run's start, none when shorter, for other reasons or at count 0") {
  auto g = gateway(kNow);
  g.patients = {PatientId{"p1"}, PatientId{"p2"}};
  g.devices = {{"HR1", "connected", 1}, {"HR2", "connected", 1}};
  g.devices[0].skipped = {{"no_skin_contact", 40, 1'000'000, 1'000'000 + 600'000}};
  g.devices[1].skipped = {{"no_skin_contact", 9, 1'000'000, 1'000'000 + 599'999},
                          {"other_reason", 99, 0, 10'000'000}};
  auto out = evaluate_gateway(g, kNow, HubTime{}, TechnicalConfig{});
  REQUIRE(out.size() ==
          2);  // HR1 x two patients; HR2's run is 1 ms short, the other reason not this rule
  CHECK(out[0].rule_id == "device.no_skin_contact");
  CHECK(out[0].priority == Priority::kMedium);
  CHECK(out[0].subject == "gw-1/HR1");
  CHECK(out[0].episode == "1000000");
  CHECK(out[0].patient.value == "p1");
  CHECK(out[1].patient.value == "p2");
  CHECK_MESSAGE(
      out[0].message.find("no skin contact for 10 min (40 values skipped)") != std::string::npos,
      out[0].message);
  CHECK(out[0].values.at(2) == AlertValue{"count", 40.0});
  TechnicalConfig shorter;
  shorter.no_skin_contact_after = std::chrono::seconds{60};
  CHECK(evaluate_gateway(g, kNow, HubTime{}, shorter).size() == 4);
  g.devices[0].skipped[0].count = 0;
  g.devices[1].skipped.clear();
  CHECK(evaluate_gateway(g, kNow, HubTime{}, TechnicalConfig{}).empty());
}

TEST_CASE(
    "device.unreadable: a device in state error for the limit by the hub's clock -> one per "
    "patient, named by port until its serial is known, episode = the state's start") {
  auto g = gateway(kNow);
  g.status_sent_unix_ms = 10'000'000;
  g.devices = {{"", "error", 0}, {"INR7", "error", 1}, {"BP1", "connected", 1}};
  g.devices[0].port = "/dev/serial/by-id/usb-meter";
  g.devices[0].error = "no_permission";
  g.devices[0].error_since_unix_ms = 10'000'000 - 300'000;  // exactly the limit
  g.devices[1].error = "not_serial";
  g.devices[1].error_since_unix_ms = 10'000'000 - 299'999;  // 1 ms short
  auto out = evaluate_gateway(g, kNow, HubTime{}, TechnicalConfig{});
  REQUIRE(out.size() == 2);  // the port's device x two patients
  CHECK(out[0].rule_id == "device.unreadable");
  CHECK(out[0].priority == Priority::kMedium);
  CHECK(out[0].subject == "gw-1//dev/serial/by-id/usb-meter");
  CHECK(out[0].episode == "9700000");
  CHECK(out[1].patient.value == "p2");
  CHECK_MESSAGE(
      out[0].message.find("on port /dev/serial/by-id/usb-meter on hub gw-1 is there "
                          "but cannot be read (no_permission) for 5 min") != std::string::npos,
      out[0].message);
  CHECK(out[0].values.at(0) == AlertValue{"form", std::string("port")});
  CHECK(out[0].values.at(3) == AlertValue{"reason", std::string("no_permission")});
  TechnicalConfig shorter;
  shorter.device_unreadable_after = std::chrono::seconds{60};
  auto both = evaluate_gateway(g, kNow, HubTime{}, shorter);
  REQUIRE(both.size() == 4);
  CHECK(both[2].subject == "gw-1/INR7");
  CHECK(both[2].values.at(0) == AlertValue{"form", std::string("serial")});
  // The same state later: the same alert; a hub from before error_since: none (no start).
  g.status_sent_unix_ms += 3'600'000;
  CHECK(evaluate_gateway(g, kNow, HubTime{}, TechnicalConfig{})[0].alert_id() == out[0].alert_id());
  g.devices[0].error_since_unix_ms = 0;
  g.devices[1].state = "connected";
  CHECK(evaluate_gateway(g, kNow, HubTime{}, TechnicalConfig{}).empty());
}

TEST_CASE("device.silent: 1.5 x cadence after the last reading or the watch start") {
  ExpectedDevice d{GatewayId{"gw-1"}, DeviceSerial{"INR1"}, PatientId{"p1"}, 24h,
                   kNow - 100h, kNow - 35h};
  CHECK_FALSE(evaluate_device(d, kNow).has_value());
  d.last_reading = kNow - 36h;
  auto a = evaluate_device(d, kNow);
  REQUIRE(a.has_value());
  CHECK(a->patient.value == "p1");
  CHECK(a->message.find("expected every 24 h") != std::string::npos);
  d.last_reading.reset();  // never a reading: counted from the watch start
  d.watched_since = kNow - 1h;
  CHECK_FALSE(evaluate_device(d, kNow).has_value());
  d.cadence = 0s;  // not expected at all
  d.watched_since = kNow - 1000h;
  CHECK_FALSE(evaluate_device(d, kNow).has_value());
}

TEST_CASE("broker.dropped_messages: rises alert, restart resets, no rise -> none") {
  CHECK_FALSE(evaluate_broker_drops(std::nullopt, 0).has_value());
  CHECK_FALSE(evaluate_broker_drops(5, 5).has_value());
  auto rise = evaluate_broker_drops(5, 12);
  REQUIRE(rise.has_value());
  CHECK(rise->priority == Priority::kHigh);
  CHECK(rise->message.find("dropped 7 messages") != std::string::npos);
  auto restart = evaluate_broker_drops(50, 3);
  REQUIRE(restart.has_value());
  CHECK(restart->message.find("dropped 3 messages") != std::string::npos);
  CHECK(rise->alert_id() != restart->alert_id());
}

TEST_CASE("measurement.missed: no INR by its due date -> one alert per missed episode") {
  DueMeasurement due{PatientId{"p1"}, "inr", 7 * 24h, kNow - 30 * 24h, kNow - 6 * 24h};
  CHECK_FALSE(evaluate_due(due, kNow).has_value());
  due.last_measured = kNow - 7 * 24h;
  auto a = evaluate_due(due, kNow);
  REQUIRE(a.has_value());
  CHECK(a->rule_id == "measurement.missed");
  CHECK(a->patient.value == "p1");
  CHECK(a->message.find("no inr from p1") != std::string::npos);
  auto later = evaluate_due(due, kNow + 48h);
  REQUIRE(later.has_value());
  CHECK(later->alert_id() == a->alert_id());
  // Never measured: counted from the watch start, episode "never".
  due.last_measured.reset();
  due.watched_since = kNow - 8 * 24h;
  auto never = evaluate_due(due, kNow);
  REQUIRE(never.has_value());
  CHECK(never->message.find("none received") != std::string::npos);
}

TEST_CASE("gateway.disk_full: heartbeat storage full -> high alert per patient, episode = since") {
  TechnicalConfig c;
  auto g = gateway(kNow);
  g.storage_state = "full";
  g.storage_full_since_unix_ms = 1'789'999'000'000;
  g.storage_available_bytes = 200 * 1024;
  auto out = evaluate_gateway(g, kNow, HubTime{}, c);
  REQUIRE(out.size() == 2);
  CHECK(out[0].rule_id == "gateway.disk_full");
  CHECK(out[0].priority == Priority::kHigh);
  CHECK(out[0].episode == "1789999000000");
  CHECK(out[0].message.find("200 KiB left") != std::string::npos);
  g.storage_state = "low";
  out = evaluate_gateway(g, kNow, HubTime{}, c);
  REQUIRE(out.size() == 2);
  CHECK(out[0].rule_id == "gateway.disk_low");
  CHECK(out[0].priority == Priority::kLow);
  g.storage_state = "ok";
  CHECK(evaluate_gateway(g, kNow, HubTime{}, c).empty());
  g.storage_state = "";  // a hub from before issue 22
  CHECK(evaluate_gateway(g, kNow, HubTime{}, c).empty());
}
