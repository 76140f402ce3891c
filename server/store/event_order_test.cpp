// alert_events ids become visible in id order, on both backends: what a poll cursor over the
// table (the SSE hub following other server instances, server/http/sse_hub.h) relies on. A
// reader that saw id N while a lower id was still uncommitted would move its cursor past the
// lower one and never send it.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "server/store/store.h"
#include "tests/support/store_fixture.h"

using namespace kotona;
using namespace kotona::server::store;
using namespace std::chrono_literals;

namespace {

std::int64_t insert_event(Database& db, const std::string& alert_id) {
  auto insert = db.prepare(
      "INSERT INTO alert_events(alert_id, change, at_unix_ms) VALUES(?, 'raised', 1) "
      "RETURNING event_id");
  REQUIRE(insert.has_value());
  insert->bind(1, std::string_view(alert_id));
  auto row = insert->step();
  REQUIRE(row.has_value());
  REQUIRE(*row);
  return insert->column_int(0);
}

}  // namespace

TEST_CASE("alert_events: a higher id is never visible while a lower id is uncommitted") {
  test::StoreFixture f;  // creates the schema
  auto& reader = f.store;
  auto first = std::move(Database::open(f.location).value());
  auto second = std::move(Database::open(f.location).value());
  const auto start = reader->alert_book().last_event_id().value();

  Transaction slow(*first);
  REQUIRE(slow.begin().has_value());
  const auto low = insert_event(*first, "slow");
  std::atomic<std::int64_t> high{0};
  std::thread other([&] {
    // Another instance's write transaction, started while the first is open.
    Transaction fast(*second);
    if (!fast.begin()) return;
    {
      auto id = second->prepare(
          "INSERT INTO alert_events(alert_id, change, at_unix_ms) VALUES('fast', 'raised', 1) "
          "RETURNING event_id");
      if (!id || !id->step().value_or(false)) return;
      high = id->column_int(0);
    }  // finalised before COMMIT (SQLite refuses to commit under an unfinished write)
    if (!fast.commit()) high = -1;
  });
  bool overtaken = false;
  for (int i = 0; i < 10; ++i) {
    overtaken = overtaken || reader->alert_book().last_event_id().value() != start;
    std::this_thread::sleep_for(30ms);
  }
  CHECK_FALSE(overtaken);
  REQUIRE(slow.commit().has_value());
  other.join();
  CHECK(low > start);
  CHECK(high.load() > low);
  CHECK(reader->alert_book().last_event_id().value() == high.load());
}
