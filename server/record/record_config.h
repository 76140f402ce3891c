// RecordConfig: the push to the patient record system (issue 19 part 2), from the server
// config's record_* keys (docs/contracts.md "Server config"). Off when record_endpoint is
// not set. Pure; value type.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/config_file.h"
#include "core/result.h"

namespace kotona::server::record {

struct RecordConfig {
  // "http://host:port/path" or "https://host:port/path": where the transaction Bundles are
  // POSTed (the FHIR base; empty: no push).
  std::string endpoint;
  // Who this instance is in the outbox's leases (default: mqtt_client_id, unique per
  // instance).
  std::string instance;
  int batch_max = 50;  // Observations per transaction Bundle
  std::chrono::milliseconds poll{1'000};
  std::chrono::milliseconds timeout{10'000};  // per request (connect, send, answer)
  std::chrono::seconds lease{60};             // > timeout: a dead instance's rows are retaken
  std::chrono::milliseconds backoff_min{1'000};
  std::chrono::milliseconds backoff_max{300'000};
  std::chrono::seconds unreachable_after{900};  // then record.unreachable (admins)
  std::chrono::hours keep_done{30 * 24};        // done outbox rows kept this long
  // https: the record system's CA (required), and this server's client certificate and key
  // for mTLS (both or neither).
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  // OAuth2 client credentials as in HL7 SMART Backend Services (all four set, or none):
  // the token endpoint's URL, this server's client id there, its private key (PEM: RSA ->
  // RS384, EC P-384 -> ES384) whose public key the record system holds under `jwt_kid`, and
  // the scope asked for. Every FHIR request then carries the access token (oauth.h).
  std::string token_endpoint;
  std::string client_id;
  std::string jwt_key;
  std::string jwt_kid;
  std::string scope = "system/Patient.write system/Device.write system/Observation.write";
  // TEST ONLY (never from the config file): plain POSTs without request.ifNoneExist, the
  // negative control of tests/record.
  bool conditional_create = true;

  bool enabled() const { return !endpoint.empty(); }
  bool oauth() const { return !token_endpoint.empty(); }
};

inline constexpr std::string_view kRecordConfigKeys[] = {
    "record_endpoint",       "record_instance",       "record_batch_max",
    "record_poll_ms",        "record_timeout_ms",     "record_lease_s",
    "record_backoff_min_ms", "record_backoff_max_s",  "record_unreachable_after_s",
    "record_keep_done_days", "record_tls_ca",         "record_tls_cert",
    "record_tls_key",        "record_token_endpoint", "record_client_id",
    "record_jwt_key",        "record_jwt_kid",        "record_scope"};

// `instance_default`: the lease owner when record_instance is not given. Errors: kConfig
// naming the key: a bad URL, a value out of range, https without record_tls_ca, a client
// certificate without its key, TLS keys with http, an OAuth2 key without the others.
[[nodiscard]] Result<RecordConfig> parse_record_config(const ConfigFile& file,
                                                       const std::string& instance_default);

// The endpoint's parts. Errors: kConfig.
struct Endpoint {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path;  // the FHIR base path, "/" when none
};
[[nodiscard]] Result<Endpoint> parse_endpoint(const std::string& url);

}  // namespace kotona::server::record
