#include "tests/support/mosquitto.h"

#include <fstream>
#include <stdexcept>

namespace kotona::test {

Mosquitto::Mosquitto(std::filesystem::path dir, bool persistence)
    : dir_(std::move(dir)), persistence_(persistence), port_(free_port()) {}

Mosquitto::~Mosquitto() {
  if (child_) child_->kill9();
}

void Mosquitto::start() {
  auto conf = dir_ / "mosquitto.conf";
  std::filesystem::create_directories(dir_ / "mosquitto-data");
  {
    std::ofstream out(conf);
    out << "listener " << port_ << " 127.0.0.1\n"
        << "allow_anonymous true\n"
        << "persistence " << (persistence_ ? "true" : "false") << "\n"
        << "persistence_location " << (dir_ / "mosquitto-data").string() << "/\n"
        << "max_queued_messages 100000\n"
        << "log_dest stderr\n"
        << "log_type error\nlog_type warning\nlog_type notice\n";
  }
  child_ = std::make_unique<Child>(std::vector<std::string>{"mosquitto", "-c", conf.string()},
                                   dir_ / "mosquitto.log");
  if (!wait_for_port(port_, std::chrono::seconds(10))) {
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
