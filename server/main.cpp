// kotona-server --config FILE: the central ingest server (docs/contracts.md). Exit 2 with one
// clear line on a bad command line or config; 1 when startup fails; 0 after SIGINT/SIGTERM.
#include <string>

#include "core/config_file.h"
#include "core/log.h"
#include "server/config.h"
#include "server/server.h"

int main(int argc, char** argv) {
  using namespace kotona;
  if (argc != 3 || std::string(argv[1]) != "--config") {
    log_error("server", "usage: kotona-server --config FILE");
    return 2;
  }
  auto file = ConfigFile::load(argv[2]);
  if (!file) {
    log_error("server", "bad config: " + file.error().detail);
    return 2;
  }
  auto config = server::parse_server_config(*file);
  if (!config) {
    log_error("server", "bad config: " + config.error().detail);
    return 2;
  }
  auto server = server::Server::create(*config);
  if (!server) {
    log_error("server", "cannot start: " + describe(server.error()));
    return server.error().code == Errc::kConfig ? 2 : 1;
  }
  return (*server)->run();
}
