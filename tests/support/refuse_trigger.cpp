#include "tests/support/refuse_trigger.h"

#include <libpq-fe.h>
#include <sqlite3.h>

namespace kotona::test {

namespace {

bool is_postgres(const std::string& location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

Result<void> exec_postgres(const std::string& uri, const std::string& sql) {
  PGconn* conn = PQconnectdb(uri.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    return fail(Errc::kIo, "refuse_readings_of: " + message);
  }
  PGresult* result = PQexec(conn, sql.c_str());
  const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  std::string message = ok ? "" : PQresultErrorMessage(result);
  PQclear(result);
  PQfinish(conn);
  if (!ok) return fail(Errc::kIo, "refuse_readings_of: " + message);
  return {};
}

Result<void> exec_sqlite(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    return fail(Errc::kIo, "refuse_readings_of: cannot open " + path);
  }
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  if (rc != SQLITE_OK) return fail(Errc::kIo, "refuse_readings_of: " + message);
  return {};
}

}  // namespace

Result<void> refuse_readings_of(const std::string& location, const std::string& serial) {
  // `serial` is the test's own constant, not input: spliced into the trigger's text.
  if (is_postgres(location)) {
    return exec_postgres(
        location,
        "CREATE FUNCTION kotona_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN "
        "IF NEW.device_serial = '" +
            serial +
            "' THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $f$; "
            "CREATE TRIGGER kotona_test_refuse BEFORE INSERT ON readings FOR EACH ROW "
            "EXECUTE FUNCTION kotona_test_refuse();");
  }
  return exec_sqlite(location,
                     "CREATE TRIGGER kotona_test_refuse BEFORE INSERT ON readings "
                     "WHEN NEW.device_serial = '" +
                         serial + "' BEGIN SELECT RAISE(ABORT, 'refused by test'); END;");
}

}  // namespace kotona::test
