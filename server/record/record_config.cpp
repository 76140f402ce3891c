#include "server/record/record_config.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace kotona::server::record {

Result<Endpoint> parse_endpoint(const std::string& url) {
  Endpoint out;
  std::string rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    out.tls = true;
    rest = url.substr(8);
  } else {
    return fail(Errc::kConfig, "record_endpoint '" + url + "' must start with http:// or https://");
  }
  auto slash = rest.find('/');
  out.path = slash == std::string::npos ? "/" : rest.substr(slash);
  if (slash != std::string::npos) rest.resize(slash);
  auto colon = rest.rfind(':');
  out.host = colon == std::string::npos ? rest : rest.substr(0, colon);
  out.port = colon == std::string::npos ? (out.tls ? "443" : "80") : rest.substr(colon + 1);
  const bool port_ok = !out.port.empty() && out.port.size() <= 5 &&
                       out.port.find_first_not_of("0123456789") == std::string::npos;
  if (out.host.empty() || !port_ok) {
    return fail(Errc::kConfig, "record_endpoint '" + url + "': bad host or port");
  }
  return out;
}

Result<RecordConfig> parse_record_config(const ConfigFile& file,
                                         const std::string& instance_default) {
  RecordConfig config;
  config.endpoint = file.get_or("record_endpoint", "");
  config.instance = file.get_or("record_instance", instance_default);
  config.tls_ca = file.get_or("record_tls_ca", "");
  config.tls_cert = file.get_or("record_tls_cert", "");
  config.tls_key = file.get_or("record_tls_key", "");
  config.token_endpoint = file.get_or("record_token_endpoint", "");
  config.client_id = file.get_or("record_client_id", "");
  config.jwt_key = file.get_or("record_jwt_key", "");
  config.jwt_kid = file.get_or("record_jwt_kid", "");
  config.scope = file.get_or("record_scope", config.scope);
  struct Number {
    const char* key;
    std::int64_t fallback, min, max;
    std::int64_t* out;
  };
  std::int64_t batch = config.batch_max, poll = config.poll.count(),
               timeout = config.timeout.count(), lease = config.lease.count(),
               backoff_min = config.backoff_min.count(),
               backoff_max = config.backoff_max.count() / 1000,
               unreachable = config.unreachable_after.count(), keep = config.keep_done.count() / 24;
  const Number numbers[] = {
      {"record_batch_max", batch, 1, 1000, &batch},
      {"record_poll_ms", poll, 10, 600'000, &poll},
      {"record_timeout_ms", timeout, 100, 600'000, &timeout},
      {"record_lease_s", lease, 1, 86'400, &lease},
      {"record_backoff_min_ms", backoff_min, 10, 3'600'000, &backoff_min},
      {"record_backoff_max_s", backoff_max, 1, 86'400, &backoff_max},
      {"record_unreachable_after_s", unreachable, 1, 7 * 86'400, &unreachable},
      {"record_keep_done_days", keep, 1, 3650, &keep}};
  for (const auto& n : numbers) {
    auto value = file.get_int(n.key, n.fallback, n.min, n.max);
    if (!value) return fail(value.error());
    *n.out = *value;
  }
  config.batch_max = static_cast<int>(batch);
  config.poll = std::chrono::milliseconds(poll);
  config.timeout = std::chrono::milliseconds(timeout);
  config.lease = std::chrono::seconds(lease);
  config.backoff_min = std::chrono::milliseconds(backoff_min);
  config.backoff_max = std::chrono::seconds(backoff_max);
  config.unreachable_after = std::chrono::seconds(unreachable);
  config.keep_done = std::chrono::hours(keep * 24);
  const bool tls_keys =
      !config.tls_ca.empty() || !config.tls_cert.empty() || !config.tls_key.empty();
  const std::pair<const char*, const std::string*> oauth_keys[] = {
      {"record_client_id", &config.client_id},
      {"record_jwt_key", &config.jwt_key},
      {"record_jwt_kid", &config.jwt_kid}};
  const bool oauth_given = std::any_of(std::begin(oauth_keys), std::end(oauth_keys),
                                       [](const auto& k) { return !k.second->empty(); });
  if (!config.enabled()) {
    if (tls_keys)
      return fail(Errc::kConfig, file.source() + ": record_tls_* without record_endpoint");
    if (config.oauth() || oauth_given) {
      return fail(Errc::kConfig, file.source() +
                                     ": record_token_endpoint / record_client_id / record_jwt_* " +
                                     "without record_endpoint");
    }
    return config;
  }
  auto endpoint = parse_endpoint(config.endpoint);
  if (!endpoint) return fail(Errc::kConfig, file.source() + ": " + endpoint.error().detail);
  bool any_tls = endpoint->tls;
  if (config.oauth()) {
    auto token = parse_endpoint(config.token_endpoint);
    if (!token) {
      return fail(Errc::kConfig, file.source() + ": record_token_endpoint '" +
                                     config.token_endpoint +
                                     "' must be http(s)://host[:port]/path");
    }
    any_tls = any_tls || token->tls;
    for (const auto& [key, value] : oauth_keys) {
      if (value->empty()) {
        return fail(Errc::kConfig, file.source() + ": record_token_endpoint is set: " +
                                       std::string(key) + " is required (SMART Backend Services)");
      }
    }
    if (config.scope.empty()) {
      return fail(Errc::kConfig, file.source() + ": record_scope is empty");
    }
  } else if (oauth_given) {
    for (const auto& [key, value] : oauth_keys) {
      if (!value->empty()) {
        return fail(Errc::kConfig, file.source() + ": " + std::string(key) +
                                       " given without record_token_endpoint");
      }
    }
  }
  if (any_tls && config.tls_ca.empty()) {
    return fail(Errc::kConfig, file.source() +
                                   ": an https endpoint needs record_tls_ca (record_endpoint is " +
                                   (endpoint->tls ? "https" : "http") + ")");
  }
  if (!any_tls && tls_keys) {
    return fail(Errc::kConfig,
                file.source() + ": record_tls_* given but record_endpoint is http://");
  }
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    return fail(Errc::kConfig,
                file.source() + ": record_tls_cert and record_tls_key go together (mTLS)");
  }
  if (std::chrono::milliseconds(config.lease) <= config.timeout) {
    return fail(Errc::kConfig, file.source() + ": record_lease_s must exceed record_timeout_ms");
  }
  if (config.backoff_max < config.backoff_min) {
    return fail(Errc::kConfig,
                file.source() + ": record_backoff_max_s below record_backoff_min_ms");
  }
  return config;
}

}  // namespace kotona::server::record
