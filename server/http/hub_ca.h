// HubCa: the CA that signs hub (gateway) client certificates at enrolment (issue 20 part 5),
// loaded once from the server's config, plus what an enrolled hub is told: the broker's
// address and the CA its certificate chains to. sign() takes a PEM CSR, checks its own
// signature (the hub holds the key) and its key (EC P-256/P-384 or RSA >= 2048), and issues a
// client certificate whose subject is CN=<gateway id> whatever the CSR asked. OpenSSL;
// const after load, so thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "core/ids.h"
#include "core/result.h"

namespace kotona::server::http {

struct HubCaFiles {
  std::string ca_cert;     // PEM: the CA mosquitto's `cafile` trusts for hub certificates
  std::string ca_key;      // PEM: its private key (0600, the server's user only)
  std::string broker_uri;  // what hubs connect to, e.g. ssl://broker.example:8883
  std::string broker_ca;   // PEM file: the CA that signed the broker's certificate
  std::chrono::days valid{825};
};

class HubCa {
 public:
  // Errors: kConfig naming the file that cannot be read, or a key that does not match.
  [[nodiscard]] static Result<std::unique_ptr<HubCa>> load(const HubCaFiles& files);
  ~HubCa();
  HubCa(const HubCa&) = delete;
  HubCa& operator=(const HubCa&) = delete;

  // The certificate PEM for `gateway`. Errors: kMalformed (not a CSR, bad signature, weak or
  // unknown key type), kIo (OpenSSL failed).
  [[nodiscard]] Result<std::string> sign(std::string_view csr_pem, const GatewayId& gateway) const;

  const std::string& broker_uri() const;
  const std::string& broker_ca_pem() const;

 private:
  struct Impl;
  explicit HubCa(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kotona::server::http
