// Where a test's server store lives, so one test suite runs on both store backends: an SQLite
// file in the test's directory by default; when the environment names a PostgreSQL cluster
// (KOTONA_TEST_POSTGRES=<libpq URI>, set by ctest for the "[postgresql]" runs, cluster started
// by tests/support/pg_cluster.sh), a freshly created, empty database in that cluster.
#pragma once

#include <filesystem>
#include <string>

namespace kotona::test {

// True when this run's stores are PostgreSQL databases.
bool testing_postgres();
// A new store location: `dir / file` (SQLite), or the URI of a new database (PostgreSQL).
// Throws std::runtime_error when the cluster cannot create it.
std::string test_store_location(const std::filesystem::path& dir,
                                const std::string& file = "server.db");

}  // namespace kotona::test
