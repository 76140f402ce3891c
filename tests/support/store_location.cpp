#include "tests/support/store_location.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <stdexcept>

namespace kotona::test {

namespace {

const char* cluster_uri() {
  const char* uri = std::getenv("KOTONA_TEST_POSTGRES");
  return (uri != nullptr && *uri != '\0') ? uri : nullptr;
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
  PGconn* conn = PQconnectdb(uri);
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("KOTONA_TEST_POSTGRES: cannot connect: " + message);
  }
  PGresult* result = PQexec(conn, ("CREATE DATABASE " + name).c_str());
  const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  std::string message = ok ? "" : PQresultErrorMessage(result);
  PQclear(result);
  PQfinish(conn);
  if (!ok) throw std::runtime_error("KOTONA_TEST_POSTGRES: CREATE DATABASE: " + message);
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
