// Test fixtures for the security tests: certificates made by the real deploy/provision.sh and a
// mosquitto started from the real production config (deploy/mosquitto/production.conf.in + acl),
// so the tests check what ships, not a test copy. Not thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace kotona::test {

// Runs `deploy/provision.sh DIR args...` (env: extra "NAME=VALUE" words); throws on failure.
void provision(const std::filesystem::path& dir, const std::vector<std::string>& args,
               const std::vector<std::string>& env = {});
// Runs a shell command line; returns its exit status.
int shell(const std::string& command);

struct ClientCert {
  std::string cert;  // empty: connect without a client certificate
  std::string key;
};
inline ClientCert hub_cert(const std::filesystem::path& pki, const std::string& name) {
  return {(pki / (name + ".crt")).string(), (pki / "private" / (name + ".key")).string()};
}

// mosquitto with the production config. `broker_name`: the certificate in `pki` it serves.
class ProductionBroker {
 public:
  ProductionBroker(std::filesystem::path dir, std::filesystem::path pki, std::string broker_name,
                   std::vector<std::string> exec_prefix = {});
  void start();  // throws if it does not run within 10 s
  int port() const { return port_; }
  std::string uri(const std::string& host = "localhost") const {
    return "ssl://" + host + ":" + std::to_string(port_);
  }
  std::string log() const { return child_ ? child_->log_text() : ""; }
  const std::filesystem::path& config_path() const { return conf_; }

 private:
  std::filesystem::path dir_, pki_, conf_;
  std::string broker_name_;
  std::vector<std::string> exec_prefix_;
  int port_;
  std::unique_ptr<Child> child_;
};

// Path of a file in the source tree, e.g. source("deploy/provision.sh").
std::string source(const std::string& relative);

}  // namespace kotona::test
