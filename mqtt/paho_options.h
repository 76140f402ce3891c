// The Paho connect options of a Session (inside mqtt/ only: it names Paho's types).
#pragma once

#include <mqtt/async_client.h>

#include <functional>
#include <string>

#include "mqtt/session.h"

namespace kotona::mqtt_link {

// Fills `out` in place: MQTT v5, clean start off with opt.session_expiry (the broker keeps
// queued messages for this client across reconnects), no Paho auto-reconnect (the Session's
// flow reconnects), TLS when opt.tls_ca is set. `tls_error` is called on Paho's thread.
// In place, and `out` must outlive the connect() call it is passed to: Paho C++ 1.2's
// connect_options copies keep pointing at the original's properties (a copy of a copy, made
// from a builder that was gone, crashed in MQTTProperties_copy on the second connect).
void fill_connect_options(mqtt::connect_options& out, const SessionOptions& opt,
                          std::function<void(const std::string&)> tls_error);

}  // namespace kotona::mqtt_link
