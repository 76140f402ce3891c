// The record cursor (RACP resumability) shares the readings' transaction: it is stored only
// when they are, and never runs ahead of them.
#include <doctest/doctest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "gateway/outbox/outbox.h"

using kotona::gateway::Outbox;
using kotona::gateway::OutboxCursor;
using kotona::gateway::OutboxEntry;
using kotona::gateway::OutboxTime;

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kotona-cursor-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file() const { return (path / "outbox.db").string(); }
};

const OutboxTime kT0{std::chrono::milliseconds{1'700'000'000'000}};
const std::string kAddr = "C0:FF:EE:00:00:01";

std::unique_ptr<Outbox> open_ok(const std::string& path) {
  auto outbox = Outbox::open(path);
  REQUIRE_MESSAGE(outbox.has_value(), (outbox ? "" : describe(outbox.error())));
  return std::move(*outbox);
}

OutboxCursor cursor(std::uint16_t sequence, std::string serial = "GLU-1") {
  return OutboxCursor{"ble_glucose", kAddr, std::move(serial), sequence};
}

std::vector<OutboxEntry> records(int from, int to) {
  std::vector<OutboxEntry> out;
  for (int i = from; i <= to; ++i) out.push_back({"gw/GLU-1/r" + std::to_string(i), "p"});
  return out;
}

// Runs SQL on the database through a second connection, as another process would.
void exec_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string message = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE_MESSAGE(rc == SQLITE_OK, message);
}

std::optional<OutboxCursor> load(Outbox& outbox) {
  auto c = outbox.load_cursor("ble_glucose", kAddr);
  REQUIRE(c.has_value());
  return *c;
}

}  // namespace

TEST_CASE("outbox cursor: none stored -> nullopt") {
  TempDir dir;
  auto outbox = open_ok(dir.file());
  CHECK_FALSE(load(*outbox).has_value());
}

TEST_CASE("outbox cursor: appended with readings -> stored, replaced, kept across reopen") {
  TempDir dir;
  {
    auto outbox = open_ok(dir.file());
    REQUIRE(outbox->append(records(1, 3), kT0, cursor(3)).value() == 3);
    CHECK(load(*outbox) == cursor(3));
    REQUIRE(outbox->append(records(4, 4), kT0, cursor(4)).has_value());
    CHECK(load(*outbox) == cursor(4));
  }
  auto outbox = open_ok(dir.file());
  CHECK(load(*outbox) == cursor(4));
  CHECK(outbox->depth().value() == 4);
  // Another driver or another device at the same address: separate cursors.
  CHECK_FALSE(outbox->load_cursor("ble_bp", kAddr).value().has_value());
  CHECK_FALSE(outbox->load_cursor("ble_glucose", "C0:FF:EE:00:00:02").value().has_value());
}

TEST_CASE("outbox cursor: no readings (a record without a value) -> cursor still stored") {
  TempDir dir;
  auto outbox = open_ok(dir.file());
  REQUIRE(outbox->append({}, kT0, cursor(9)).value() == 0);
  CHECK(load(*outbox) == cursor(9));
  CHECK(outbox->depth().value() == 0);
}

TEST_CASE("outbox cursor: wrapped numbering -> a lower sequence replaces the old one") {
  TempDir dir;
  auto outbox = open_ok(dir.file());
  REQUIRE(outbox->append(records(1, 1), kT0, cursor(65535)).has_value());
  REQUIRE(outbox->append(records(2, 2), kT0, cursor(2)).has_value());
  CHECK(load(*outbox) == cursor(2));
}

TEST_CASE("outbox cursor: a reading's insert fails mid-transaction -> no reading, cursor unchanged") {
  TempDir dir;
  auto outbox = open_ok(dir.file());
  REQUIRE(outbox->append(records(1, 2), kT0, cursor(2)).has_value());
  // The third of three inserts fails (as a full disk or I/O error would).
  exec_sql(dir.file(),
           "CREATE TRIGGER fail_r5 BEFORE INSERT ON outbox WHEN NEW.reading_uid LIKE '%/r5' "
           "BEGIN SELECT RAISE(ABORT, 'disk full'); END;");
  auto failed = outbox->append(records(3, 5), kT0, cursor(5));
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error().detail.find("disk full") != std::string::npos);
  CHECK(load(*outbox) == cursor(2));
  CHECK(outbox->depth().value() == 2);
  exec_sql(dir.file(), "DROP TRIGGER fail_r5;");
  REQUIRE(outbox->append(records(3, 5), kT0, cursor(5)).value() == 3);
  CHECK(load(*outbox) == cursor(5));
}

TEST_CASE("outbox cursor: the cursor's own write fails -> the readings are not stored either") {
  TempDir dir;
  auto outbox = open_ok(dir.file());
  exec_sql(dir.file(),
           "CREATE TRIGGER fail_cursor BEFORE INSERT ON record_cursor "
           "BEGIN SELECT RAISE(ABORT, 'no'); END;");
  CHECK_FALSE(outbox->append(records(1, 2), kT0, cursor(2)).has_value());
  CHECK(outbox->depth().value() == 0);
  CHECK_FALSE(load(*outbox).has_value());
}

TEST_CASE("outbox cursor: database refuses writes -> append fails, cursor unchanged") {
  TempDir dir;
  auto outbox = open_ok(dir.file());
  REQUIRE(outbox->append(records(1, 1), kT0, cursor(1)).has_value());
  REQUIRE(outbox->query_only_for_test(true).has_value());
  CHECK_FALSE(outbox->append(records(2, 2), kT0, cursor(2)).has_value());
  REQUIRE(outbox->query_only_for_test(false).has_value());
  CHECK(load(*outbox) == cursor(1));
  CHECK(outbox->depth().value() == 1);
}

TEST_CASE(
    "outbox cursor: the record's fingerprint is stored with it, an outbox from before the "
    "fingerprint column opens and reads it as unknown") {
  TempDir dir;
  exec_sql(dir.file(),
           "CREATE TABLE record_cursor(driver TEXT NOT NULL, device TEXT NOT NULL, serial TEXT "
           "NOT NULL, sequence INTEGER NOT NULL, PRIMARY KEY(driver, device));"
           "INSERT INTO record_cursor VALUES('ble_glucose', '" +
               kAddr + "', 'GLU-1', 7);");
  auto outbox = open_ok(dir.file());
  CHECK(load(*outbox) == cursor(7));  // fingerprint "": the driver cannot check the record
  auto with = cursor(8);
  with.fingerprint = "0b0800ea07";
  REQUIRE(outbox->append(records(8, 8), kT0, with).has_value());
  CHECK(load(*outbox) == with);
}
