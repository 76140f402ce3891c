#include "firmware-sim/options.h"

#include <doctest/doctest.h>

namespace kotona::firmware_sim {
namespace {

using Kind = ScriptStep::Kind;

TEST_CASE("parse_options: options and script -> parsed in order") {
  auto o = parse_options({"astm-bp", "--link", "/tmp/x", "--serial", "SN1", "--units", "kPa",
                          "--clock-offset-s", "-3600", "--first-record", "40",
                          "--reply-timeout-ms", "500", "--retry-ms", "100", "measure",
                          "182/112/71", "wait", "10", "garbage", "5", "bad-checksum",
                          "resend-all", "unplug", "replug", "loop", "1000", "hold"});
  REQUIRE(o.has_value());
  CHECK(o->link == "/tmp/x");
  CHECK(o->info.serial == "SN1");
  CHECK(o->info.kpa);
  CHECK(o->clock_offset == std::chrono::seconds(-3600));
  CHECK(o->first_record == 40);
  CHECK(o->reply_timeout == std::chrono::milliseconds(500));
  CHECK(o->retry == std::chrono::milliseconds(100));
  REQUIRE(o->script.size() == 9);
  CHECK(o->script[0] == ScriptStep{Kind::kMeasure, 182, 112, 71});
  CHECK(o->script[1].duration == std::chrono::milliseconds(10));
  CHECK(o->script[2].count == 5);
  CHECK(o->script[7].kind == Kind::kLoop);
  CHECK(o->script[8].kind == Kind::kHold);
}

TEST_CASE("parse_options: defaults -> contract defaults") {
  auto o = parse_options({"astm-bp"});
  REQUIRE(o.has_value());
  CHECK(o->info.serial == "BPSIM0001");
  CHECK(o->first_record == 1);
  CHECK(o->reply_timeout == std::chrono::milliseconds(15000));
  CHECK(o->retry == std::chrono::milliseconds(2000));
  CHECK(o->script.empty());
}

TEST_CASE("parse_options: bad command lines -> kConfig") {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"ble-bp"},
      {"astm-bp", "--nope", "1"},
      {"astm-bp", "--link"},
      {"astm-bp", "measure", "182/112"},
      {"astm-bp", "measure", "a/b/c"},
      {"astm-bp", "measure"},
      {"astm-bp", "wait", "-1"},
      {"astm-bp", "dance"},
      {"astm-bp", "--units", "psi"},
      {"astm-bp", "--serial", "bad serial"},
      {"astm-bp", "--retry-ms", "0"},
  };
  for (const auto& args : bad) {
    auto o = parse_options(args);
    REQUIRE_FALSE(o.has_value());
    CHECK(o.error().code == Errc::kConfig);
  }
}

}  // namespace
}  // namespace kotona::firmware_sim

namespace kotona::firmware_sim {
namespace {

TEST_CASE(
    "implant_relay sim: parse_options: presets, relay serial, faults -> parsed, 2 s replies") {
  auto o = parse_options({"implant-relay", "--relay-serial", "RLY9", "--clock-fixed",
                          "20261122030000", "measure", "rrt", "nak-storm", "3",
                          "unplug-mid-frame", "measure", "shock"});
  REQUIRE(o.has_value());
  CHECK(o->relay_serial == "RLY9");
  CHECK(o->info.serial == "ICDSIM0001");
  CHECK(o->reply_timeout == std::chrono::milliseconds(2000));
  REQUIRE(o->clock_fixed.has_value());
  REQUIRE(o->script.size() == 4);
  CHECK(o->script[0].preset == "rrt");
  CHECK(o->script[1].kind == ScriptStep::Kind::kNakStorm);
  CHECK(o->script[1].count == 3);
  CHECK(o->script[2].kind == ScriptStep::Kind::kUnplugMidFrame);
}

TEST_CASE(
    "implant_relay sim: parse_options: bad preset, relay-only commands elsewhere, bad clock -> "
    "kConfig") {
  CHECK_FALSE(parse_options({"implant-relay", "measure", "120/80/60"}).has_value());
  CHECK(parse_options({"astm-inr", "unplug-mid-frame"}).has_value());
  CHECK(parse_options({"astm-inr", "--resend-on-connect", "on"})->resend_on_connect);
  CHECK_FALSE(parse_options({"astm-inr", "--resend-on-connect", "yes"}).has_value());
  CHECK_FALSE(parse_options({"astm-bp", "--relay-serial", "X"}).has_value());
  CHECK_FALSE(parse_options({"astm-glucose", "--clock-fixed", "20261332000000"}).has_value());
  CHECK_FALSE(parse_options({"astm-bp", "nak-storm", "0"}).has_value());
  CHECK(parse_options({"astm-inr", "--clock-fixed", "20261122030000", "nak-storm", "6"})
            .has_value());
}

}  // namespace
TEST_CASE("astm_glucose sim: parse_options: over USB HID -> node, sysfs, USB ids, bad-report") {
  auto o = parse_options({"astm-glucose", "--transport", "hid", "--link", "/tmp/dev/hidraw0",
                          "--hid-sysfs", "/tmp/sys", "--usb-id", "1a79:6002", "bad-report", "3"});
  REQUIRE(o.has_value());
  CHECK(o->hid);
  CHECK(o->hid_sysfs == "/tmp/sys");
  CHECK(o->usb_vendor == 0x1a79);
  CHECK(o->usb_product == 0x6002);
  REQUIRE(o->script.size() == 1);
  CHECK(o->script[0].kind == Kind::kBadReport);
  CHECK(o->script[0].count == 3);
  auto defaults = parse_options({"astm-glucose", "--transport", "hid", "--link", "/tmp/h"});
  REQUIRE(defaults.has_value());
  CHECK(defaults->usb_product == 0x7410);  // Contour Next USB
}

TEST_CASE("parse_options: USB HID misuse -> one clear error") {
  const std::vector<std::vector<std::string>> bad{
      {"astm-inr", "--transport", "hid", "--link", "/tmp/h"},
      {"astm-glucose", "--transport", "usb", "--link", "/tmp/h"},
      {"astm-glucose", "--transport", "hid"},
      {"astm-glucose", "bad-report", "2"},
      {"astm-glucose", "--transport", "hid", "--link", "/tmp/h", "--usb-id", "1a79-7410"},
      {"astm-glucose", "--transport", "hid", "--link", "/tmp/h", "--usb-id", "1a79:74100"}};
  for (const auto& args : bad) {
    auto o = parse_options(args);
    CHECK_FALSE(o.has_value());
    if (!o) CHECK(o.error().code == Errc::kConfig);
  }
}

}  // namespace kotona::firmware_sim
