// ServerConfig: the server's `key = value` config (docs/contracts.md "Server config"), parsed
// and validated from a core ConfigFile. Pure; value type.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config_file.h"
#include "core/result.h"
#include "server/alerts/rules.h"
#include "server/alerts/technical.h"
#include "server/http/auth.h"
#include "server/http/client_address.h"
#include "server/http/hash_pool.h"
#include "server/http/hub_ca.h"
#include "server/record/record_config.h"
#include "server/store/quarantine_types.h"
#include "server/store/types.h"

namespace kotona::server {

struct ServerConfig {
  std::string mqtt_uri;
  std::string mqtt_client_id = "kotona-ingest-1";
  std::string mqtt_share_group = "ingest";  // "none" in the config: plain subscriptions
  // TLS (required with ssl:// or mqtts://, refused otherwise): the broker's CA, this server's
  // certificate (CN kotona-ingest-N: behind use_username_as_clientid it is also the client id)
  // and its key.
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string db_path;
  std::string http_host = "127.0.0.1";
  std::uint16_t http_port = 8080;
  // Host names requests may name (`http_public_names = a, b`): the defaults
  // (http::default_public_names) plus the listen host, plus the configured names.
  std::vector<std::string> http_public_names;
  // The reverse proxies whose X-Forwarded-For names the client (`http_trusted_proxies =
  // 127.0.0.1, 10.0.0.0/8`); none by default, so the header is ignored.
  http::TrustedProxies http_trusted_proxies;
  // Password checks off the io thread (`login_hash_threads`, `login_queue_max`; issue 17).
  http::HashPoolOptions login_hashing;
  // Caps on connections and SSE streams (`http_max_connections`, `sse_max_streams`,
  // `sse_max_streams_per_user`; issue 17); defaults as http::HttpOptions.
  std::size_t http_max_connections = 512;
  std::size_t sse_max_streams = 256;
  std::size_t sse_max_streams_per_user = 8;
  std::vector<store::Enrolment> enrolment;  // from `enrol = GATEWAY_ID DEVICE_SERIAL PATIENT_ID`
  // From `rule = PATIENT_ID key=value ...` (keys: RuleConfig, server/alerts/README.md).
  std::map<std::string, alerts::RuleConfig> rules;
  // Technical alerts (server/alerts/technical.h): thresholds and how often they are checked.
  alerts::TechnicalConfig technical;
  std::chrono::milliseconds technical_check_interval{10'000};
  // Escalation of alerts not acknowledged in time (escalate_after_s, escalate_medium_after_s,
  // escalate_max_tier); deadlines are rows, checked every escalation_check_ms.
  store::EscalationPolicy escalation;
  std::chrono::milliseconds escalation_check_interval{1'000};
  // Quarantine bounds (quarantine_per_gateway, quarantine_max_age_days,
  // quarantine_max_payload_bytes; store/quarantine_types.h has the defaults and why).
  store::QuarantineLimits quarantine;
  // `sse_poll_ms`: how often the SSE hub reads the events table for other instances' events
  // (scale-out). 0 = off: the hub pushes only this process's events. Default 500 with
  // PostgreSQL (shared by instances), 0 with SQLite (one instance).
  std::chrono::milliseconds sse_poll_interval{0};
  // From `expect = GATEWAY_ID DEVICE_SERIAL EVERY` (EVERY: 36h, 7d, 90min, 30s): a reading
  // is expected at least that often; none for 1.5 x EVERY raises device.silent.
  struct Expectation {
    GatewayId gateway;
    DeviceSerial serial;
    std::chrono::seconds every{0};
  };
  std::vector<Expectation> expectations;
  // From `due = PATIENT_ID KIND EVERY` (KIND: bp, glucose, inr, implant, weight, spo2,
  // temperature): a measurement of that kind is due at least that often, from any device;
  // past due -> measurement.missed.
  struct Due {
    PatientId patient;
    std::string kind;
    std::chrono::seconds every{0};
  };
  std::vector<Due> due;
  // Clinician users, care teams and token lifetime (`user`, `team`, `session_ttl_s`).
  http::AuthConfig auth;
  // The push to the patient record system (`record_*`, issue 19); off without record_endpoint.
  record::RecordConfig record;
  // Hub enrolment (issue 20 part 5; `enrol_ca_cert`, `enrol_ca_key`, `enrol_broker_uri`,
  // `enrol_broker_ca`, `enrol_cert_days`): all four files/URI or none (off: 503).
  std::optional<http::HubCaFiles> hub_ca;
};

// Errors: kConfig with one line naming the file, line and key: unknown key, missing or
// repeated required key, bad http_listen, bad client id, malformed enrol line.
[[nodiscard]] Result<ServerConfig> parse_server_config(const ConfigFile& file);

}  // namespace kotona::server
