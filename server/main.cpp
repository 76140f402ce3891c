// kotona-server --config FILE [--verify-audit]: the central ingest server (docs/contracts.md).
// Exit 2 with one clear line on a bad command line or config; 1 when startup fails; 0 after
// SIGINT/SIGTERM. --verify-audit checks the audit log's hash chain and exits: 0 intact,
// 3 broken (the first bad row is printed), 1 when the database cannot be read.
#include <iostream>
#include <string>

#include "core/config_file.h"
#include "core/log.h"
#include "server/config.h"
#include "server/server.h"
#include "server/store/store.h"

namespace {

int verify_audit(const std::string& db_path) {
  using namespace kotona;
  auto store = server::store::Store::open(db_path);
  if (!store) {
    log_error("server", "cannot open " + db_path + ": " + describe(store.error()));
    return 1;
  }
  auto verdict = (*store)->verify_audit();
  if (!verdict) {
    log_error("server", "cannot read the audit log: " + describe(verdict.error()));
    return 1;
  }
  if (!verdict->ok) {
    std::cout << "audit chain BROKEN at row " << verdict->first_bad_seq << ": " << verdict->reason
              << " (" << verdict->rows << " rows read)\n";
    return 3;
  }
  std::cout << "audit chain intact: " << verdict->rows << " rows\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kotona;
  bool verify = argc == 4 && std::string(argv[3]) == "--verify-audit";
  if ((argc != 3 && !verify) || std::string(argv[1]) != "--config") {
    log_error("server", "usage: kotona-server --config FILE [--verify-audit]");
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
  if (verify) return verify_audit(config->db_path);
  auto server = server::Server::create(*config);
  if (!server) {
    log_error("server", "cannot start: " + describe(server.error()));
    return server.error().code == Errc::kConfig ? 2 : 1;
  }
  return (*server)->run();
}
