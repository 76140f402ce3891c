// A real mosquitto broker for tests, on a free loopback port, with its own config, log and
// persistence directory under a TempDir. Not thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace kotona::test {

class Mosquitto {
 public:
  // REQUIRES: `dir` exists. `persistence`: keep sessions and queued messages across restart().
  // `exec_prefix` (e.g. {"ip", "netns", "exec", NS}): run the broker in a network namespace,
  // listening on every address there; reach it through the namespace's links, not uri().
  explicit Mosquitto(std::filesystem::path dir, bool persistence = true,
                     std::vector<std::string> exec_prefix = {});
  ~Mosquitto();
  // Extra mosquitto.conf lines for the next start(), e.g. "max_queued_messages 5\n".
  void set_extra_config(std::string lines) { extra_config_ = std::move(lines); }
  void start();           // throws std::runtime_error if it does not listen within 10 s
  void stop();            // SIGTERM, as an operator would (writes persistence)
  void kill9();           // power cut: nothing written
  void restart() { stop(); start(); }
  int port() const { return port_; }
  pid_t pid() const { return child_ ? child_->pid() : -1; }  // -1 before start()
  std::string uri() const { return uri_at("127.0.0.1"); }
  std::string uri_at(const std::string& host) const {
    return "tcp://" + host + ":" + std::to_string(port_);
  }

 private:
  std::filesystem::path dir_;
  bool persistence_;
  std::vector<std::string> exec_prefix_;
  std::string extra_config_;
  int port_;
  std::unique_ptr<Child> child_;
};

}  // namespace kotona::test
