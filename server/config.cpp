#include "server/config.h"

#include <cctype>
#include <optional>
#include <sstream>

#include "core/kinds.h"
#include "server/http/http_server.h"
#include "server/store/database.h"

namespace kotona::server {

namespace {

std::string where(const ConfigFile& file, const ConfigFile::Entry& e) {
  return file.source() + ":" + std::to_string(e.line) + ": ";
}

Result<store::Enrolment> parse_enrol(const ConfigFile& file, const ConfigFile::Entry& e) {
  std::istringstream words(e.value);
  std::string gateway, serial, patient, extra;
  words >> gateway >> serial >> patient;
  if (patient.empty() || (words >> extra)) {
    return fail(Errc::kConfig, where(file, e) +
                                   "'enrol' must be 'GATEWAY_ID DEVICE_SERIAL "
                                   "PATIENT_ID', got '" +
                                   e.value + "'");
  }
  for (const auto* id : {&gateway, &serial, &patient}) {
    if (!is_valid_id_text(*id)) {
      return fail(Errc::kConfig, where(file, e) + "'enrol': '" + *id +
                                     "' is not 1-64 characters of [A-Za-z0-9._-]");
    }
  }
  return store::Enrolment{GatewayId{gateway}, DeviceSerial{serial}, PatientId{patient}, HubTime{},
                          std::nullopt};
}

// "36h", "7d", "90min", "30s" -> seconds; nullopt when not a positive number with a unit.
std::optional<std::chrono::seconds> parse_every(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
    ++digits;
  }
  if (digits == 0 || digits > 9) return std::nullopt;
  auto n = std::stoll(text.substr(0, digits));
  auto unit = text.substr(digits);
  std::int64_t scale = 0;
  if (unit == "s") scale = 1;
  if (unit == "min") scale = 60;
  if (unit == "h") scale = 3600;
  if (unit == "d") scale = 86400;
  if (scale == 0 || n <= 0) return std::nullopt;
  return std::chrono::seconds(n * scale);
}

bool is_tls_uri(const std::string& uri) {
  return uri.starts_with("ssl://") || uri.starts_with("mqtts://") || uri.starts_with("wss://");
}

// tls_ca / tls_cert / tls_key: all three with a TLS mqtt_uri, none without.
Result<void> parse_tls(const ConfigFile& file, ServerConfig& config) {
  config.tls_ca = file.get_or("tls_ca", "");
  config.tls_cert = file.get_or("tls_cert", "");
  config.tls_key = file.get_or("tls_key", "");
  config.mqtt_share_group = file.get_or("mqtt_share_group", config.mqtt_share_group);
  if (config.mqtt_share_group == "none") config.mqtt_share_group.clear();
  if (!config.mqtt_share_group.empty() && !is_valid_id_text(config.mqtt_share_group)) {
    return fail(Errc::kConfig, file.source() +
                                   ": mqtt_share_group must be 'none' or 1-64 "
                                   "characters of [A-Za-z0-9._-]");
  }
  bool all = !config.tls_ca.empty() && !config.tls_cert.empty() && !config.tls_key.empty();
  bool any = !config.tls_ca.empty() || !config.tls_cert.empty() || !config.tls_key.empty();
  if (is_tls_uri(config.mqtt_uri) && !all) {
    return fail(Errc::kConfig, file.source() + ": mqtt_uri '" + config.mqtt_uri +
                                   "' is TLS: tls_ca, tls_cert and tls_key are all required");
  }
  if (!is_tls_uri(config.mqtt_uri) && any) {
    return fail(Errc::kConfig, file.source() + ": tls_* keys given but mqtt_uri '" +
                                   config.mqtt_uri + "' is not ssl:// or mqtts://");
  }
  return {};
}

// quarantine_per_gateway, quarantine_max_age_days, quarantine_max_payload_bytes (issue 13).
Result<void> parse_quarantine_limits(const ConfigFile& file, store::QuarantineLimits& limits) {
  auto cap = file.get_int("quarantine_per_gateway", limits.per_gateway, 1, 1'000'000);
  if (!cap) return fail(cap.error());
  limits.per_gateway = *cap;
  auto days = file.get_int("quarantine_max_age_days", limits.max_age.count() / 24, 1, 3650);
  if (!days) return fail(days.error());
  limits.max_age = std::chrono::hours(*days * 24);
  auto bytes =
      file.get_int("quarantine_max_payload_bytes",
                   static_cast<std::int64_t>(limits.max_payload_bytes), 1024, 16LL * 1024 * 1024);
  if (!bytes) return fail(bytes.error());
  limits.max_payload_bytes = static_cast<std::size_t>(*bytes);
  return {};
}

// The clinician API's resource limits (issue 17).
Result<void> parse_http_limits(const ConfigFile& file, ServerConfig& config) {
  auto threads = file.get_int("login_hash_threads", config.login_hashing.threads, 1, 16);
  if (!threads) return fail(threads.error());
  config.login_hashing.threads = static_cast<int>(*threads);
  auto queue = file.get_int("login_queue_max",
                            static_cast<std::int64_t>(config.login_hashing.max_pending), 1, 4096);
  if (!queue) return fail(queue.error());
  config.login_hashing.max_pending = static_cast<std::size_t>(*queue);
  for (auto [key, field] : {std::pair{"http_max_connections", &config.http_max_connections},
                            std::pair{"sse_max_streams", &config.sse_max_streams},
                            std::pair{"sse_max_streams_per_user", &config.sse_max_streams_per_user}}) {
    auto value = file.get_int(key, static_cast<std::int64_t>(*field), 1, 1000000);
    if (!value) return fail(value.error());
    *field = static_cast<std::size_t>(*value);
  }
  return {};
}

// The enrol_* keys: all of cert, key, broker URI and broker CA, or none.
Result<void> parse_hub_ca(const ConfigFile& file, ServerConfig& config) {
  http::HubCaFiles f;
  f.ca_cert = file.get_or("enrol_ca_cert", "");
  f.ca_key = file.get_or("enrol_ca_key", "");
  f.broker_uri = file.get_or("enrol_broker_uri", "");
  f.broker_ca = file.get_or("enrol_broker_ca", "");
  const int given =
      !f.ca_cert.empty() + !f.ca_key.empty() + !f.broker_uri.empty() + !f.broker_ca.empty();
  if (given == 0) return {};
  if (given != 4) {
    return fail(Errc::kConfig, file.source() +
                                   ": hub enrolment needs all of enrol_ca_cert, "
                                   "enrol_ca_key, enrol_broker_uri and enrol_broker_ca");
  }
  if (!f.broker_uri.starts_with("ssl://") && !f.broker_uri.starts_with("mqtts://")) {
    return fail(Errc::kConfig, file.source() + ": enrol_broker_uri '" + f.broker_uri +
                                   "' must be ssl://HOST:PORT (hubs use client certificates)");
  }
  auto days = file.get_int("enrol_cert_days", 825, 1, 3650);
  if (!days) return fail(days.error());
  f.valid = std::chrono::days(*days);
  config.hub_ca = f;
  return {};
}

}  // namespace

Result<ServerConfig> parse_server_config(const ConfigFile& file) {
  std::vector<std::string_view> known{"mqtt_uri",
                                      "mqtt_client_id",
                                      "db_path",
                                      "http_listen",
                                      "enrol",
                                      "rule",
                                      "expect",
                                      "gateway_silent_after_s",
                                      "outbox_backlog_rows",
                                      "outbox_backlog_age_s",
                                      "no_skin_contact_after_s",
                                      "device_unreadable_after_s",
                                      "technical_check_ms",
                                      "due",
                                      "escalate_after_s",
                                      "escalate_medium_after_s",
                                      "escalate_max_tier",
                                      "escalation_check_ms",
                                      "tls_ca",
                                      "tls_cert",
                                      "tls_key",
                                      "mqtt_share_group",
                                      "sse_poll_ms",
                                      "quarantine_per_gateway",
                                      "quarantine_max_age_days",
                                      "quarantine_max_payload_bytes",
                                      "http_public_names",
                                      "login_hash_threads",
                                      "login_queue_max",
                                      "http_max_connections",
                                      "sse_max_streams",
                                      "sse_max_streams_per_user",
                                      "http_trusted_proxies",
                                      "enrol_ca_cert",
                                      "enrol_ca_key",
                                      "enrol_broker_uri",
                                      "enrol_broker_ca",
                                      "enrol_cert_days"};
  known.insert(known.end(), std::begin(http::kAuthConfigKeys), std::end(http::kAuthConfigKeys));
  known.insert(known.end(), std::begin(record::kRecordConfigKeys),
               std::end(record::kRecordConfigKeys));
  auto unknown = file.unknown_keys(known);
  if (!unknown.empty()) {
    return fail(Errc::kConfig,
                where(file, unknown.front()) + "unknown key '" + unknown.front().key + "'");
  }
  ServerConfig config;
  auto uri = file.get("mqtt_uri");
  if (!uri) return fail(uri.error());
  config.mqtt_uri = *uri;
  if (auto tls = parse_tls(file, config); !tls) return fail(tls.error());
  if (auto ca = parse_hub_ca(file, config); !ca) return fail(ca.error());
  auto db = file.get("db_path");
  if (!db) return fail(db.error());
  config.db_path = *db;
  if (file.all("mqtt_client_id").size() > 1 || file.all("http_listen").size() > 1) {
    return fail(Errc::kConfig, file.source() + ": mqtt_client_id and http_listen may appear once");
  }
  config.mqtt_client_id = file.get_or("mqtt_client_id", config.mqtt_client_id);
  if (!is_valid_id_text(config.mqtt_client_id)) {
    return fail(Errc::kConfig, file.source() +
                                   ": 'mqtt_client_id' must be 1-64 characters of "
                                   "[A-Za-z0-9._-]");
  }
  auto auth = http::parse_auth_config(file);
  if (!auth) return fail(auth.error());
  config.auth = std::move(*auth);
  auto listen = http::parse_listen(file.get_or("http_listen", "127.0.0.1:8080"));
  if (!listen) return fail(Errc::kConfig, file.source() + ": " + listen.error().detail);
  config.http_host = listen->first;
  config.http_port = listen->second;
  config.http_public_names = http::default_public_names();
  config.http_public_names.push_back(config.http_host);
  for (const auto& e : file.all("http_public_names")) {
    std::size_t from = 0;
    while (from <= e.value.size()) {
      auto comma = e.value.find(',', from);
      auto name =
          e.value.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
      name.erase(0, name.find_first_not_of(" \t"));
      name.erase(name.find_last_not_of(" \t") + 1);
      if (name.empty() || name.find_first_of(" /:@") != std::string::npos) {
        return fail(Errc::kConfig, where(file, e) + "'http_public_names': '" + name +
                                       "' is not a host name (no port, no scheme)");
      }
      config.http_public_names.push_back(name);
      if (comma == std::string::npos) break;
      from = comma + 1;
    }
  }
  if (auto limits = parse_http_limits(file, config); !limits) return fail(limits.error());
  for (const auto& e : file.all("http_trusted_proxies")) {
    auto proxies = http::TrustedProxies::parse(e.value);
    if (!proxies) {
      return fail(Errc::kConfig,
                  where(file, e) + "'http_trusted_proxies': " + proxies.error().detail);
    }
    config.http_trusted_proxies.add(*proxies);
  }
  for (const auto& e : file.all("enrol")) {
    auto enrol = parse_enrol(file, e);
    if (!enrol) return fail(enrol.error());
    config.enrolment.push_back(std::move(*enrol));
  }
  for (const auto& e : file.all("rule")) {
    auto space = e.value.find_first_of(" \t");
    std::string patient = e.value.substr(0, space);
    std::string settings = space == std::string::npos ? "" : e.value.substr(space + 1);
    if (!is_valid_id_text(patient)) {
      return fail(Errc::kConfig, where(file, e) + "'rule': '" + patient +
                                     "' is not 1-64 characters of [A-Za-z0-9._-]");
    }
    auto [it, inserted] = config.rules.try_emplace(patient);
    if (auto r = alerts::parse_rule_settings(settings, it->second); !r) {
      return fail(Errc::kConfig,
                  where(file, e) + "'rule' (PATIENT_ID key=value ...): " + r.error().detail);
    }
  }
  for (const auto& e : file.all("expect")) {
    std::istringstream words(e.value);
    std::string gateway, serial, every, extra;
    words >> gateway >> serial >> every;
    auto period = parse_every(every);
    if (every.empty() || (words >> extra) || !period || !is_valid_id_text(gateway) ||
        !is_valid_id_text(serial)) {
      return fail(Errc::kConfig, where(file, e) +
                                     "'expect' must be 'GATEWAY_ID DEVICE_SERIAL EVERY' with "
                                     "EVERY like 36h, 7d, 90min or 30s, got '" +
                                     e.value + "'");
    }
    config.expectations.push_back({GatewayId{gateway}, DeviceSerial{serial}, *period});
  }
  for (const auto& e : file.all("due")) {
    std::istringstream words(e.value);
    std::string patient, kind, every, extra;
    words >> patient >> kind >> every;
    auto period = parse_every(every);
    if (every.empty() || (words >> extra) || !period || !is_valid_id_text(patient) ||
        find_kind(kind) == nullptr) {
      return fail(Errc::kConfig,
                  where(file, e) + "'due' must be 'PATIENT_ID KIND EVERY' with KIND one of " +
                      kind_names() + " and EVERY like 7d or 36h, got '" + e.value + "'");
    }
    config.due.push_back({PatientId{patient}, kind, *period});
  }
  auto silent = file.get_int("gateway_silent_after_s",
                             config.technical.gateway_silent_after.count(), 1, 30LL * 86400);
  if (!silent) return fail(silent.error());
  config.technical.gateway_silent_after = std::chrono::seconds(*silent);
  auto rows = file.get_int("outbox_backlog_rows",
                           static_cast<std::int64_t>(config.technical.outbox_backlog_rows), 1,
                           1'000'000'000);
  if (!rows) return fail(rows.error());
  config.technical.outbox_backlog_rows = static_cast<std::uint64_t>(*rows);
  auto age = file.get_int("outbox_backlog_age_s", config.technical.outbox_backlog_age.count(), 1,
                          30LL * 86400);
  if (!age) return fail(age.error());
  config.technical.outbox_backlog_age = std::chrono::seconds(*age);
  auto skin = file.get_int("no_skin_contact_after_s",
                           config.technical.no_skin_contact_after.count(), 1, 7LL * 86400);
  if (!skin) return fail(skin.error());
  config.technical.no_skin_contact_after = std::chrono::seconds(*skin);
  auto unreadable = file.get_int("device_unreadable_after_s",
                                 config.technical.device_unreadable_after.count(), 1, 7LL * 86400);
  if (!unreadable) return fail(unreadable.error());
  config.technical.device_unreadable_after = std::chrono::seconds(*unreadable);
  auto check =
      file.get_int("technical_check_ms", config.technical_check_interval.count(), 100, 3'600'000);
  if (!check) return fail(check.error());
  config.technical_check_interval = std::chrono::milliseconds(*check);
  constexpr std::int64_t kWeek = 7LL * 86400;
  auto high = file.get_int("escalate_after_s", config.escalation.high_after.count(), 0, kWeek);
  if (!high) return fail(high.error());
  config.escalation.high_after = std::chrono::seconds(*high);
  auto medium =
      file.get_int("escalate_medium_after_s", config.escalation.medium_after.count(), 0, kWeek);
  if (!medium) return fail(medium.error());
  config.escalation.medium_after = std::chrono::seconds(*medium);
  auto tiers = file.get_int("escalate_max_tier", config.escalation.max_tier, 1, 10);
  if (!tiers) return fail(tiers.error());
  config.escalation.max_tier = *tiers;
  auto every =
      file.get_int("escalation_check_ms", config.escalation_check_interval.count(), 50, 60'000);
  if (!every) return fail(every.error());
  config.escalation_check_interval = std::chrono::milliseconds(*every);
  const std::int64_t poll_default = store::Database::is_postgres(config.db_path) ? 500 : 0;
  auto poll = file.get_int("sse_poll_ms", poll_default, 0, 60'000);
  if (!poll) return fail(poll.error());
  config.sse_poll_interval = std::chrono::milliseconds(*poll);
  if (auto r = parse_quarantine_limits(file, config.quarantine); !r) return fail(r.error());
  auto record = record::parse_record_config(file, config.mqtt_client_id);
  if (!record) return fail(record.error());
  config.record = std::move(*record);
  return config;
}

}  // namespace kotona::server
