#include "server/config.h"

#include <sstream>

#include "server/http/http_server.h"

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

}  // namespace

Result<ServerConfig> parse_server_config(const ConfigFile& file) {
  auto unknown =
      file.unknown_keys({"mqtt_uri", "mqtt_client_id", "db_path", "http_listen", "enrol",
                         "rule"});
  if (!unknown.empty()) {
    return fail(Errc::kConfig,
                where(file, unknown.front()) + "unknown key '" + unknown.front().key + "'");
  }
  ServerConfig config;
  auto uri = file.get("mqtt_uri");
  if (!uri) return fail(uri.error());
  config.mqtt_uri = *uri;
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
  auto listen = http::parse_listen(file.get_or("http_listen", "127.0.0.1:8080"));
  if (!listen) return fail(Errc::kConfig, file.source() + ": " + listen.error().detail);
  config.http_host = listen->first;
  config.http_port = listen->second;
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
      return fail(Errc::kConfig, where(file, e) + "'rule' (PATIENT_ID key=value ...): " +
                                     r.error().detail);
    }
  }
  return config;
}

}  // namespace kotona::server
