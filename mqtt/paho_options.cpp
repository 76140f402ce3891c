#include "mqtt/paho_options.h"

namespace kotona::mqtt_link {

void fill_connect_options(mqtt::connect_options& out, const SessionOptions& opt,
                          std::function<void(const std::string&)> tls_error) {
  out.set_mqtt_version(MQTTVERSION_5);
  if (!opt.tls_ca.empty()) {
    // The broker must prove it is the broker: chain to our CA AND name the host we dialled
    // (verify). TLS 1.2 is the floor; the broker refuses older versions too.
    out.set_ssl(mqtt::ssl_options_builder()
                    .trust_store(opt.tls_ca)
                    .key_store(opt.tls_cert)
                    .private_key(opt.tls_key)
                    .enable_server_cert_auth(true)
                    .verify(true)
                    .ssl_version(MQTT_SSL_VERSION_TLS_1_2)
                    .error_handler(std::move(tls_error))
                    .finalize());
  }
  const auto expiry = static_cast<int>(opt.session_expiry.count());
  out.set_clean_start(false);
  out.set_properties(
      mqtt::properties{mqtt::property(mqtt::property::SESSION_EXPIRY_INTERVAL, expiry)});
  out.set_automatic_reconnect(false);
  out.set_connect_timeout(Session::kConnectTimeout);
  out.set_keep_alive_interval(std::chrono::seconds(20));
}

}  // namespace kotona::mqtt_link
