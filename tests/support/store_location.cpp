#include "tests/support/store_location.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <random>
#include <stdexcept>
#include <vector>

namespace kotona::test {

namespace {

const char* cluster_uri() {
  const char* uri = std::getenv("KOTONA_TEST_POSTGRES");
  return (uri != nullptr && *uri != '\0') ? uri : nullptr;
}

// Runs one statement on the cluster's maintenance database; the error text or "".
std::string run_on_cluster(const char* uri, const std::string& sql) {
  PGconn* conn = PQconnectdb(uri);
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    return "cannot connect: " + message;
  }
  PGresult* result = PQexec(conn, sql.c_str());
  std::string message =
      PQresultStatus(result) == PGRES_COMMAND_OK ? "" : PQresultErrorMessage(result);
  PQclear(result);
  PQfinish(conn);
  return message;
}

// The databases this process created. Each costs ~7.5 MB on disk; the whole suite creates
// ~400 (3.1 GiB of build/pg-test at the end of a CI run, on a disk that then ran full), so
// they are dropped when the test binary exits normally. A crashed test leaves its databases
// for a look; the cluster directory goes with the next fixture start.
std::mutex created_mutex;
std::vector<std::string> created;
pid_t creator = 0;

void drop_created_databases() {
  const char* uri = cluster_uri();
  // A forked child that exits must not drop the databases its parent still uses.
  if (uri == nullptr || ::getpid() != creator) return;
  const std::lock_guard lock(created_mutex);
  for (const auto& name : created) {
    // FORCE: a server the test started may still hold a session (PostgreSQL 13+).
    run_on_cluster(uri, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }
  created.clear();
}

}  // namespace

bool testing_postgres() { return cluster_uri() != nullptr; }

std::string test_store_location(const std::filesystem::path& dir, const std::string& file) {
  const char* uri = cluster_uri();
  if (uri == nullptr) return (dir / file).string();
  static std::atomic<int> counter{0};
  std::random_device random;
  const std::string name = "kt_" + std::to_string(::getpid()) + "_" +
                           std::to_string(counter++) + "_" + std::to_string(random() % 100000);
  const std::string message = run_on_cluster(uri, "CREATE DATABASE " + name);
  if (!message.empty())
    throw std::runtime_error("KOTONA_TEST_POSTGRES: CREATE DATABASE: " + message);
  {
    const std::lock_guard lock(created_mutex);
    static const bool registered = (creator = ::getpid(), std::atexit(drop_created_databases) == 0);
    (void)registered;
    created.push_back(name);
  }
  // Same cluster and options, another database: replace the path between "://" + host part
  // and the query ("postgresql:///postgres?host=..." -> "postgresql:///kt_...?host=...").
  std::string out(uri);
  const auto scheme = out.find("://");
  const auto path = out.find('/', scheme + 3);
  const auto query = out.find('?', path);
  out.replace(path + 1, (query == std::string::npos ? out.size() : query) - path - 1, name);
  return out;
}

}  // namespace kotona::test
