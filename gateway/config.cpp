#include "gateway/config.h"

#include <charconv>
#include <sstream>

namespace kotona::gateway {

namespace {

const std::vector<std::string_view> kKnownKeys{
    "gateway_id", "mqtt_uri", "outbox_path", "device", "ack_timeout_ms", "batch_max_readings",
    "status_interval_ms", "reconnect_min_ms", "reconnect_max_ms", "serial_by_id_dir", "tls_ca",
    "tls_cert", "tls_key", "ble_adapter", "ble_bus", "ble_retry_ms", "ble_rescan_ms", "ble_pair",
    "outbox_reserve_kb", "outbox_low_kb", "max_inflight_readings", "hid_sysfs_dir", "hid_dev_dir",
    "driver_plugin", "local_page_listen",
    // A blank hub's enrolment (gateway/enrol).
    "enrol_url", "enrol_ca", "state_dir", "setup_listen", "setup_usb_dir"};

std::string where(const ConfigFile& file, const ConfigFile::Entry& e) {
  return file.source() + ":" + std::to_string(e.line) + ": ";
}

// `DRIVER PATH [BAUD]`
Result<DeviceSpec> parse_device(const ConfigFile& file, const ConfigFile::Entry& e,
                                DriverLookup find_driver) {
  std::istringstream in(e.value);
  std::string driver, path, baud_text, extra;
  in >> driver >> path >> baud_text >> extra;
  if (driver.empty() || path.empty() || !extra.empty()) {
    return fail(Errc::kConfig, where(file, e) + "'device' must be 'DRIVER PATH [BAUD]', got '" +
                                   e.value + "'");
  }
  DeviceSpec spec;
  spec.driver = find_driver(driver);
  if (spec.driver == nullptr) {
    return fail(Errc::kConfig, where(file, e) + "unknown driver '" + driver + "'");
  }
  spec.path = path;
  if (!spec.driver->serial.empty()) spec.baud = spec.driver->serial.front().baud;
  if (!baud_text.empty()) {
    std::uint32_t baud = 0;
    auto [ptr, ec] = std::from_chars(baud_text.data(), baud_text.data() + baud_text.size(), baud);
    if (ec != std::errc{} || ptr != baud_text.data() + baud_text.size() || baud < 50 ||
        baud > 4'000'000) {
      return fail(Errc::kConfig, where(file, e) + "bad baud rate '" + baud_text + "'");
    }
    spec.baud = baud;
  }
  return spec;
}

Result<std::chrono::milliseconds> get_ms(const ConfigFile& file, std::string_view key,
                                         std::int64_t fallback, std::int64_t min) {
  auto v = file.get_int(key, fallback, min, 24LL * 3600 * 1000);
  if (!v) return fail(v.error());
  return std::chrono::milliseconds{*v};
}

bool is_tls_uri(const std::string& uri) {
  return uri.starts_with("ssl://") || uri.starts_with("mqtts://") || uri.starts_with("wss://");
}

bool is_supported_uri(const std::string& uri) {
  for (std::string_view scheme : {"tcp://", "mqtt://", "ssl://", "mqtts://", "ws://", "wss://"}) {
    if (uri.size() > scheme.size() && uri.compare(0, scheme.size(), scheme) == 0) return true;
  }
  return false;
}

}  // namespace

// `HOST:PORT` with a loopback HOST (127.x.y.z, ::1 as [::1], localhost).
Result<void> parse_local_page_listen(const ConfigFile& file, GatewayConfig& config) {
  const auto text = file.get_or("local_page_listen", "");
  if (text.empty()) return {};
  const auto colon = text.rfind(':');
  std::string host = colon == std::string::npos ? "" : text.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = colon == std::string::npos ? "" : text.substr(colon + 1);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  const bool loopback = host.starts_with("127.") || host == "::1";
  if (!loopback || port.empty() || ec != std::errc{} || ptr != port.data() + port.size() ||
      value > 65535) {
    return fail(Errc::kConfig, file.source() + ": local_page_listen '" + text +
                                   "' must be a loopback HOST:PORT such as 127.0.0.1:8088");
  }
  config.local_page_host = host;
  config.local_page_port = static_cast<std::uint16_t>(value);
  return {};
}

Result<GatewayConfig> parse_gateway_config(const ConfigFile& file, DriverLookup find_driver) {
  auto unknown = file.unknown_keys(kKnownKeys);
  if (!unknown.empty()) {
    return fail(Errc::kConfig, where(file, unknown.front()) + "unknown key '" +
                                   unknown.front().key + "'");
  }
  GatewayConfig config;
  auto id = file.get("gateway_id");
  if (!id) return fail(id.error());
  if (!is_valid_id_text(*id)) {
    return fail(Errc::kConfig, file.source() + ": gateway_id '" + *id +
                                   "' must be 1-64 characters of [A-Za-z0-9._-]");
  }
  config.gateway_id = GatewayId{*id};
  auto uri = file.get("mqtt_uri");
  if (!uri) return fail(uri.error());
  if (!is_supported_uri(*uri)) {
    return fail(Errc::kConfig, file.source() + ": mqtt_uri '" + *uri +
                                   "' must look like tcp://HOST:PORT");
  }
  config.mqtt_uri = *uri;
  config.tls_ca = file.get_or("tls_ca", "");
  config.tls_cert = file.get_or("tls_cert", "");
  config.tls_key = file.get_or("tls_key", "");
  bool any_tls = !config.tls_ca.empty() || !config.tls_cert.empty() || !config.tls_key.empty();
  if (is_tls_uri(*uri) &&
      (config.tls_ca.empty() || config.tls_cert.empty() || config.tls_key.empty())) {
    return fail(Errc::kConfig, file.source() + ": mqtt_uri '" + *uri +
                                   "' is TLS: tls_ca, tls_cert and tls_key are all required");
  }
  if (!is_tls_uri(*uri) && any_tls) {
    return fail(Errc::kConfig, file.source() + ": tls_* keys given but mqtt_uri '" + *uri +
                                   "' is not ssl:// or mqtts://");
  }
  auto outbox = file.get("outbox_path");
  if (!outbox) return fail(outbox.error());
  config.outbox_path = *outbox;
  config.serial_by_id_dir = file.get_or("serial_by_id_dir", config.serial_by_id_dir);
  if (config.serial_by_id_dir.empty() || config.serial_by_id_dir.front() != '/') {
    return fail(Errc::kConfig, file.source() + ": serial_by_id_dir must be an absolute path");
  }
  config.hid_sysfs_dir = file.get_or("hid_sysfs_dir", config.hid_sysfs_dir);
  config.hid_dev_dir = file.get_or("hid_dev_dir", config.hid_dev_dir);
  for (const std::string* dir : {&config.hid_sysfs_dir, &config.hid_dev_dir}) {
    if (dir->empty() || dir->front() != '/') {
      return fail(Errc::kConfig, file.source() + ": hid_sysfs_dir and hid_dev_dir must be " +
                                     "absolute paths, got '" + *dir + "'");
    }
  }
  for (const auto& e : file.all("device")) {
    auto spec = parse_device(file, e, find_driver);
    if (!spec) return fail(spec.error());
    // A bare stable name (usb-ACME_INR_123-if00-port0) lives in the by-id directory.
    if (spec->path.front() != '/') spec->path = config.serial_by_id_dir + "/" + spec->path;
    config.devices.push_back(std::move(*spec));
  }
  config.ble_adapter = file.get_or("ble_adapter", "");
  config.ble_bus = file.get_or("ble_bus", "system");
  if (config.ble_bus == "system") config.ble_bus.clear();
  if (!config.ble_adapter.empty() && !is_valid_id_text(config.ble_adapter)) {
    return fail(Errc::kConfig, file.source() + ": ble_adapter '" + config.ble_adapter +
                                   "' must be an adapter name such as hci0");
  }
  if (!config.ble_bus.empty() && config.ble_bus.find(':') == std::string::npos) {
    return fail(Errc::kConfig, file.source() + ": ble_bus '" + config.ble_bus +
                                   "' must be 'system' or a D-Bus address such as "
                                   "unix:path=/run/kotona/bus");
  }
  auto ble_retry = get_ms(file, "ble_retry_ms", 1000, 10);
  if (!ble_retry) return fail(ble_retry.error());
  config.ble_retry = *ble_retry;
  auto ble_rescan = get_ms(file, "ble_rescan_ms", 60000, 100);
  if (!ble_rescan) return fail(ble_rescan.error());
  config.ble_rescan = *ble_rescan;
  const auto pair = file.get_or("ble_pair", "off");
  if (pair != "on" && pair != "off") {
    return fail(Errc::kConfig, file.source() + ": ble_pair must be 'on' or 'off', got '" + pair +
                                   "'");
  }
  config.ble_pair = pair == "on";
  auto ack = get_ms(file, "ack_timeout_ms", 10000, 100);
  auto status = get_ms(file, "status_interval_ms", 30000, 100);
  auto rmin = get_ms(file, "reconnect_min_ms", 500, 10);
  auto rmax = get_ms(file, "reconnect_max_ms", 30000, 10);
  auto batch = file.get_int("batch_max_readings", 100, 1, 10000);
  for (const Result<std::chrono::milliseconds>* r : {&ack, &status, &rmin, &rmax}) {
    if (!*r) return fail(r->error());
  }
  if (!batch) return fail(batch.error());
  auto inflight = file.get_int("max_inflight_readings", 2000, 1, 1000000);
  if (!inflight) return fail(inflight.error());
  config.max_inflight_readings = static_cast<std::size_t>(*inflight);
  auto reserve_kb = file.get_int("outbox_reserve_kb", 1024, 0, 1024 * 1024);
  if (!reserve_kb) return fail(reserve_kb.error());
  auto low_kb = file.get_int("outbox_low_kb", 16 * 1024, 0, 1024 * 1024 * 1024);
  if (!low_kb) return fail(low_kb.error());
  config.outbox_reserve_bytes = static_cast<std::uint64_t>(*reserve_kb) * 1024;
  config.outbox_low_bytes = static_cast<std::uint64_t>(*low_kb) * 1024;
  if (*rmin > *rmax) {
    return fail(Errc::kConfig, file.source() + ": reconnect_min_ms must be <= reconnect_max_ms");
  }
  config.ack_timeout = *ack;
  config.status_interval = *status;
  config.reconnect_min = *rmin;
  config.reconnect_max = *rmax;
  config.batch_max_readings = static_cast<std::size_t>(*batch);
  if (auto local = parse_local_page_listen(file, config); !local) return fail(local.error());
  return config;
}

}  // namespace kotona::gateway
