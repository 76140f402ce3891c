// kotona-server --config FILE [--verify-audit] | --hash-password [ITERATIONS]: the central
// ingest server (docs/contracts.md). Exit 2 with one clear line on a bad command line or config;
// 1 when startup fails; 0 after SIGINT/SIGTERM. --verify-audit checks the audit log's hash chain
// and exits: 0 intact, 3 broken (the first bad row is printed), 1 when the database cannot be
// read. --hash-password prints the hash of the password line on stdin (config `user = ...`).
#include <charconv>
#include <iostream>
#include <string>

#include "core/config_file.h"
#include "core/heap.h"
#include "core/log.h"
#include "server/config.h"
#include "server/http/auth.h"
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
  auto verdict = (*store)->audit_log().verify();
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

namespace {

// kotona-server --hash-password [ITERATIONS]: one password line on stdin -> its hash for a
// `user = NAME ROLE TEAM HASH` config line.
int hash_password_command(int argc, char** argv) {
  int iterations = 600000;
  if (argc == 3) {
    std::string_view text(argv[2]);
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), iterations);
    if (ec != std::errc{} || p != text.data() + text.size() || iterations < 1) {
      kotona::log_error("server", "--hash-password ITERATIONS must be a positive number");
      return 2;
    }
  }
  std::string password;
  if (!std::getline(std::cin, password) || password.empty()) {
    kotona::log_error("server", "--hash-password reads the password from stdin");
    return 2;
  }
  std::cout << kotona::server::http::hash_password(password, iterations) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kotona;
  if (argc >= 2 && argc <= 3 && std::string(argv[1]) == "--hash-password") {
    return hash_password_command(argc, argv);
  }
  bool verify = argc == 4 && std::string(argv[3]) == "--verify-audit";
  if ((argc != 3 && !verify) || std::string(argv[1]) != "--config") {
    log_error("server",
              "usage: kotona-server --config FILE [--verify-audit] | --hash-password [ITERATIONS]");
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
  // Groups of up to 2000 readings are allocated and freed every inbox turn: keep the freed
  // heap (core/heap.h; 16 MiB / 32 MiB, far above a group, far below the 64 MB RSS budget).
  if (!keep_freed_heap(16u << 20, 32u << 20)) log_warn("server", "malloc thresholds not set");
  auto server = server::Server::create(*config);
  if (!server) {
    log_error("server", "cannot start: " + describe(server.error()));
    return server.error().code == Errc::kConfig ? 2 : 1;
  }
  return (*server)->run();
}
