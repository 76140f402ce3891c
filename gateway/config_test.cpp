#include "gateway/config.h"

#include <doctest/doctest.h>

#include <string>

using namespace kotona;
using namespace kotona::gateway;

namespace {

const drivers::DriverDescriptor kFakeBp{"fake_bp", "0.1.0", drivers::Status::kWip,
                                        {drivers::SerialMatch{19200, "*FAKE*"}}, {}, nullptr};

const drivers::DriverDescriptor* fake_lookup(std::string_view name) {
  return name == "fake_bp" ? &kFakeBp : nullptr;
}

const std::string kBase =
    "gateway_id = gw-0001\nmqtt_uri = tcp://127.0.0.1:1883\noutbox_path = /tmp/o.db\n";

Result<GatewayConfig> parse(const std::string& text) {
  auto file = ConfigFile::parse(text, "gw.conf");
  REQUIRE(file.has_value());
  return parse_gateway_config(*file, &fake_lookup);
}

std::string error_of(const std::string& text) {
  auto config = parse(text);
  REQUIRE_FALSE(config.has_value());
  CHECK(config.error().code == Errc::kConfig);
  return config.error().detail;
}

}  // namespace

TEST_CASE("gateway_config: minimal file -> defaults from the contract") {
  auto config = parse(kBase);
  REQUIRE(config.has_value());
  CHECK(config->gateway_id == GatewayId{"gw-0001"});
  CHECK(config->ack_timeout == std::chrono::milliseconds(10000));
  CHECK(config->batch_max_readings == 100);
  CHECK(config->status_interval == std::chrono::milliseconds(30000));
  CHECK(config->reconnect_min == std::chrono::milliseconds(500));
  CHECK(config->reconnect_max == std::chrono::milliseconds(30000));
  CHECK(config->devices.empty());
}

TEST_CASE("gateway_config: device lines -> driver, path, baud (default from the driver)") {
  auto config = parse(kBase + "device = fake_bp /dev/ttyUSB0 9600\ndevice = fake_bp /dev/x\n");
  REQUIRE(config.has_value());
  REQUIRE(config->devices.size() == 2);
  CHECK(config->devices[0].driver == &kFakeBp);
  CHECK(config->devices[0].baud == 9600);
  CHECK(config->devices[1].path == "/dev/x");
  CHECK(config->devices[1].baud == 19200);
}

TEST_CASE("gateway_config: unknown key -> error naming key and line") {
  auto detail = error_of(kBase + "ack_timout_ms = 5\n");
  CHECK(detail.find("ack_timout_ms") != std::string::npos);
  CHECK(detail.find("gw.conf:4") != std::string::npos);
}

TEST_CASE("gateway_config: missing required key -> error naming it") {
  CHECK(error_of("gateway_id = gw\nmqtt_uri = tcp://h:1\n").find("outbox_path") !=
        std::string::npos);
}

TEST_CASE("gateway_config: invalid gateway_id -> error") {
  CHECK(error_of("gateway_id = gw/1\nmqtt_uri = tcp://h:1\noutbox_path = o\n")
            .find("gateway_id") != std::string::npos);
  CHECK(error_of("gateway_id = " + std::string(65, 'a') + "\nmqtt_uri = tcp://h:1\noutbox_path = o\n")
            .find("gateway_id") != std::string::npos);
}

TEST_CASE("gateway_config: bad numbers -> error naming the key") {
  CHECK(error_of(kBase + "ack_timeout_ms = soon\n").find("ack_timeout_ms") != std::string::npos);
  CHECK(error_of(kBase + "batch_max_readings = 0\n").find("batch_max_readings") !=
        std::string::npos);
  CHECK(error_of(kBase + "reconnect_min_ms = 5000\nreconnect_max_ms = 100\n")
            .find("reconnect_min_ms") != std::string::npos);
}

TEST_CASE("gateway_config: unknown driver or malformed device line -> error") {
  CHECK(error_of(kBase + "device = acme_nope /dev/ttyUSB0\n").find("acme_nope") !=
        std::string::npos);
  CHECK(error_of(kBase + "device = fake_bp\n").find("DRIVER PATH") != std::string::npos);
  CHECK(error_of(kBase + "device = fake_bp /dev/x fast\n").find("baud") != std::string::npos);
}

TEST_CASE("gateway_config: bad mqtt_uri -> error") {
  CHECK(error_of("gateway_id = gw\nmqtt_uri = 127.0.0.1:1883\noutbox_path = o\n")
            .find("mqtt_uri") != std::string::npos);
}

TEST_CASE("gateway_config: serial_by_id_dir -> bare device names resolved against it") {
  auto config = parse(kBase + "serial_by_id_dir = /tmp/by-id\n"
                              "device = fake_bp usb-FAKE_1-if00\ndevice = fake_bp /dev/ttyS0\n");
  REQUIRE(config.has_value());
  CHECK(config->serial_by_id_dir == "/tmp/by-id");
  REQUIRE(config->devices.size() == 2);
  CHECK(config->devices[0].path == "/tmp/by-id/usb-FAKE_1-if00");
  CHECK(config->devices[1].path == "/dev/ttyS0");
  auto defaults = parse(kBase + "device = fake_bp usb-FAKE_2\n");
  REQUIRE(defaults.has_value());
  CHECK(defaults->serial_by_id_dir == "/dev/serial/by-id");
  CHECK(defaults->devices[0].path == "/dev/serial/by-id/usb-FAKE_2");
  CHECK(error_of(kBase + "serial_by_id_dir = relative/dir\n").find("serial_by_id_dir") !=
        std::string::npos);
}

TEST_CASE("gateway_config: ssl:// needs tls_ca, tls_cert and tls_key -> all three or an error") {
  std::string tls = "gateway_id = gw-0001\nmqtt_uri = ssl://broker:8883\noutbox_path = /o.db\n";
  CHECK(error_of(tls).find("tls_ca, tls_cert and tls_key") != std::string::npos);
  CHECK(error_of(tls + "tls_ca = /ca.crt\n").find("tls_cert") != std::string::npos);
  auto ok = parse(tls + "tls_ca = /ca.crt\ntls_cert = /gw.crt\ntls_key = /gw.key\n");
  REQUIRE(ok.has_value());
  CHECK(ok->tls_ca == "/ca.crt");
  CHECK(ok->tls_cert == "/gw.crt");
  CHECK(ok->tls_key == "/gw.key");
  CHECK(error_of(kBase + "tls_ca = /ca.crt\n").find("not ssl://") != std::string::npos);
}

TEST_CASE("gateway_config: no ble_adapter -> BLE off, system bus by default") {
  auto config = parse(kBase);
  REQUIRE(config.has_value());
  CHECK(config->ble_adapter.empty());
  CHECK(config->ble_bus.empty());
  CHECK(config->ble_retry == std::chrono::milliseconds(1000));
  CHECK(config->ble_rescan == std::chrono::milliseconds(60000));
  CHECK_FALSE(config->ble_pair);
  CHECK(parse(kBase + "ble_pair = on\n")->ble_pair);
  CHECK(error_of(kBase + "ble_pair = yes\n").find("ble_pair") != std::string::npos);
}

TEST_CASE("gateway_config: ble keys -> adapter, private bus address, intervals") {
  auto config = parse(kBase + "ble_adapter = hci1\nble_bus = unix:path=/tmp/k/bus\n"
                              "ble_retry_ms = 200\nble_rescan_ms = 5000\n");
  REQUIRE(config.has_value());
  CHECK(config->ble_adapter == "hci1");
  CHECK(config->ble_bus == "unix:path=/tmp/k/bus");
  CHECK(config->ble_retry == std::chrono::milliseconds(200));
  CHECK(config->ble_rescan == std::chrono::milliseconds(5000));
  auto system = parse(kBase + "ble_adapter = hci0\nble_bus = system\n");
  REQUIRE(system.has_value());
  CHECK(system->ble_bus.empty());
}

TEST_CASE("gateway_config: bad ble values -> error naming the key") {
  CHECK(error_of(kBase + "ble_adapter = hci 0\n").find("ble_adapter") != std::string::npos);
  CHECK(error_of(kBase + "ble_adapter = /org/bluez\n").find("ble_adapter") != std::string::npos);
  CHECK(error_of(kBase + "ble_bus = sessionbus\n").find("ble_bus") != std::string::npos);
  CHECK(error_of(kBase + "ble_retry_ms = 0\n").find("ble_retry_ms") != std::string::npos);
}

TEST_CASE("gateway_config: local_page_listen -> loopback only, a LAN address refused") {
  auto on = parse(kBase + "local_page_listen = 127.0.0.1:8088\n");
  REQUIRE(on.has_value());
  CHECK(on->local_page_host == "127.0.0.1");
  CHECK(on->local_page_port == 8088);
  CHECK(parse(kBase)->local_page_host.empty());
  CHECK(error_of(kBase + "local_page_listen = 192.168.1.5:8088\n").find("loopback") !=
        std::string::npos);
  CHECK(error_of(kBase + "local_page_listen = 127.0.0.1:x\n").find("loopback") !=
        std::string::npos);
}
