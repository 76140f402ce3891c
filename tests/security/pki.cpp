#include "tests/security/pki.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace kotona::test {

std::string source(const std::string& relative) {
  return std::string(KOTONA_SOURCE_DIR) + "/" + relative;
}

int shell(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void provision(const std::filesystem::path& dir, const std::vector<std::string>& args,
               const std::vector<std::string>& env) {
  std::string cmd;
  for (const auto& e : env) cmd += e + " ";
  cmd += source("deploy/provision.sh") + " '" + dir.string() + "'";
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " >>'" + dir.string() + ".log' 2>&1";
  if (shell(cmd) != 0) throw std::runtime_error("provision failed: " + cmd);
}

ProductionBroker::ProductionBroker(std::filesystem::path dir, std::filesystem::path pki,
                                   std::string broker_name, std::vector<std::string> exec_prefix)
    : dir_(std::move(dir)),
      pki_(std::move(pki)),
      broker_name_(std::move(broker_name)),
      exec_prefix_(std::move(exec_prefix)),
      port_(free_port()) {}

void ProductionBroker::start() {
  std::filesystem::create_directories(dir_ / "data");
  std::ifstream in(source("deploy/mosquitto/production.conf.in"));
  std::stringstream text;
  text << in.rdbuf();
  std::string conf = text.str();
  auto replace = [&conf](const std::string& from, const std::string& to) {
    for (auto pos = conf.find(from); pos != std::string::npos; pos = conf.find(from, pos)) {
      conf.replace(pos, from.size(), to);
      pos += to.size();
    }
  };
  replace("@PORT@", std::to_string(port_));
  replace("@PKI_DIR@", pki_.string());
  replace("@BROKER_NAME@", broker_name_);
  replace("@ACL_FILE@", source("deploy/mosquitto/acl"));
  replace("@DATA_DIR@", (dir_ / "data").string());
  conf_ = dir_ / "mosquitto.conf";
  std::ofstream(conf_) << conf << "log_type information\n";
  // mosquitto drops root privileges to its own user, which must reach its data directory.
  shell("chown -R mosquitto '" + (dir_ / "data").string() + "' 2>/dev/null; chmod 755 '" +
        dir_.string() + "'");
  auto argv = exec_prefix_;
  argv.insert(argv.end(), {"mosquitto", "-c", conf_.string()});
  child_ = std::make_unique<Child>(std::move(argv), dir_ / "mosquitto.log");
  if (!child_->wait_for_log(" running", std::chrono::seconds(10))) {
    throw std::runtime_error("production mosquitto did not start: " + child_->log_text());
  }
}

}  // namespace kotona::test
