#include "tests/support/mosquitto.h"

#include <fstream>
#include <stdexcept>

namespace kotona::test {

Mosquitto::Mosquitto(std::filesystem::path dir, bool persistence,
                     std::vector<std::string> exec_prefix)
    : dir_(std::move(dir)),
      persistence_(persistence),
      exec_prefix_(std::move(exec_prefix)),
      port_(free_port()) {}

Mosquitto::~Mosquitto() {
  if (child_) child_->kill9();
}

void Mosquitto::start() {
  auto conf = dir_ / "mosquitto.conf";
  std::filesystem::create_directories(dir_ / "mosquitto-data");
  {
    std::ofstream out(conf);
    out << "listener " << port_ << (exec_prefix_.empty() ? " 127.0.0.1" : "") << "\n"
        << "allow_anonymous true\n"
        << "persistence " << (persistence_ ? "true" : "false") << "\n"
        << "persistence_location " << (dir_ / "mosquitto-data").string() << "/\n"
        << "max_queued_messages 100000\n"
        << "log_dest stderr\n"
        << "log_type error\nlog_type warning\nlog_type notice\n"
        // "... running" (the readiness line in a namespace) is an information message.
        << (exec_prefix_.empty() ? "" : "log_type information\n")
        << extra_config_;  // last: a repeated option overrides the default above
  }
  auto argv = exec_prefix_;
  for (const char* a : {"mosquitto", "-c"}) argv.emplace_back(a);
  argv.push_back(conf.string());
  std::error_code ignored;
  auto log_from = static_cast<std::size_t>(std::filesystem::file_size(dir_ / "mosquitto.log", ignored));
  if (ignored) log_from = 0;
  child_ = std::make_unique<Child>(std::move(argv), dir_ / "mosquitto.log");
  // In a namespace the port is not reachable from here: wait for the broker to say it runs.
  bool ready = exec_prefix_.empty()
                   ? wait_for_port(port_, std::chrono::seconds(10))
                   : child_->wait_for_log(" running", std::chrono::seconds(10), log_from).has_value();
  if (!ready) {
    throw std::runtime_error("mosquitto did not listen on port " + std::to_string(port_) + ": " +
                             child_->log_text());
  }
}

void Mosquitto::stop() {
  if (child_) child_->stop();
  child_.reset();
}

void Mosquitto::kill9() {
  if (child_) child_->kill9();
  child_.reset();
}

}  // namespace kotona::test
