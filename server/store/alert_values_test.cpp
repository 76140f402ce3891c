// Alert values (issue 18 part 1): what an alert's message says, kept as JSON beside it so the
// page writes the sentence in its reader's language; the latest crossing's values follow it;
// a database from before the columns gets them at open. Both backends.
#include <doctest/doctest.h>

#include "server/store/database.h"
#include "tests/support/readings.h"
#include "tests/support/store_fixture.h"

using namespace kotona;
using namespace kotona::server::store;
using namespace std::chrono_literals;

namespace {

const GatewayId kGw{"gw-1"};
const HubTime kNow{std::chrono::milliseconds{1'790'000'000'000}};

Reading bp(const std::string& record, double systolic, double diastolic) {
  return test::bp(kGw, "BP1", record, systolic, diastolic, kNow - 1min);
}

// patient-1's cuff BP1, enrolled as of kNow.
test::StoreFixture enrolled() { return test::StoreFixture(test::enrolments(kGw, {"BP1"}), kNow); }

}  // namespace

TEST_CASE(
    "alert values: crisis -> values stored and read back, a grouped crossing -> last_values") {
  auto f = enrolled();
  auto& store = f.store;
  REQUIRE(store->ledger().store_batch(kGw, {kGw, 1, {bp("1", 185, 100)}, {}}, kNow).has_value());
  REQUIRE(store->ledger().store_batch(kGw, {kGw, 2, {bp("2", 192, 121)}, {}}, kNow + 1s).has_value());
  auto alerts = store->alert_book().alerts_after(0, 10).value();
  REQUIRE(alerts.size() == 2);  // raised, then grouped: the same alert's two events
  const auto& a = alerts.back();
  CHECK(a.crossings == 2);
  CHECK(a.values_json ==
        R"({"systolic":185,"diastolic":100,"limit_systolic":180,"limit_diastolic":110})");
  CHECK(a.last_values_json ==
        R"({"systolic":192,"diastolic":121,"limit_systolic":180,"limit_diastolic":110})");
  CHECK(a.message.find("185/100") != std::string::npos);  // the English text stays
}

TEST_CASE("alert values: technical alert -> its values (texts and durations) stored") {
  test::StoreFixture f;
  auto raised = f.store->technical_alerts().login_attack(120, kNow).value();
  REQUIRE(raised.size() == 1);
  CHECK(raised[0].values_json == R"({"failures":120})");
}

TEST_CASE("alert values: database without the columns -> added at open, old rows read {}") {
  auto f = enrolled();
  REQUIRE(f.store->ledger().store_batch(kGw, {kGw, 1, {bp("1", 185, 100)}, {}}, kNow).has_value());
  f.store.reset();
  {
    auto db = Database::open(f.location);
    REQUIRE(db.has_value());
    REQUIRE((*db)->exec("ALTER TABLE alerts DROP COLUMN values_json").has_value());
    REQUIRE((*db)->exec("ALTER TABLE alerts DROP COLUMN last_values_json").has_value());
  }
  f.reopen();
  auto& store = f.store;
  auto alerts = store->alert_book().alerts_after(0, 10).value();
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].values_json == "{}");
  CHECK(alerts[0].last_values_json == "{}");
  REQUIRE(store->ledger().store_batch(kGw, {kGw, 2, {bp("2", 150, 115)}, {}}, kNow + 1s).has_value());
  auto grouped = store->alert_book().alerts_after(0, 10).value().back();
  CHECK(grouped.crossings == 2);
  CHECK(grouped.last_values_json.find("\"diastolic\":115") != std::string::npos);
}
