// "Was it clinically actionable?" answered when resolving (issue 18 part 8): stored with the
// resolution, in the audit row, and read back as the yield view's facts (rule, patient,
// created, acknowledged, answer). Both backends.
#include <doctest/doctest.h>

#include "tests/support/readings.h"
#include "tests/support/store_fixture.h"

using namespace kotona;
using namespace kotona::server::store;
using namespace std::chrono_literals;

namespace {

const GatewayId kGw{"gw-1"};
const HubTime kNow{std::chrono::milliseconds{1'790'000'000'000}};

// A crisis of patient-1 stored at `at` (its own record); returns its alert id.
AlertId crisis(test::StoreFixture& f, int record, HubTime at) {
  auto r = test::bp(kGw, "BP1", std::to_string(record), 190, 120, at - 1min);
  auto out =
      f.store->ledger().store_batch(kGw, {kGw, static_cast<std::uint64_t>(record), {r}, {}}, at);
  REQUIRE(out.has_value());
  REQUIRE(out->new_alerts.size() == 1);
  return out->new_alerts[0].alert_id;
}

}  // namespace

TEST_CASE(
    "yield: the actionable answer stored with the resolution and audited, facts since a time") {
  test::StoreFixture f(test::enrolments(kGw, {"BP1"}), kNow - 100 * 24h);
  auto& book = f.store->alert_book();
  auto old = crisis(f, 1, kNow - 60 * 24h);
  REQUIRE(book.resolve(old, "dr-lee", Resolution{"", "no"}, kNow - 60 * 24h + 1h).has_value());
  auto a = crisis(f, 2, kNow - 2 * 24h);
  REQUIRE(book.acknowledge(a, "dr-lee", "calling", kNow - 2 * 24h + 90s).has_value());
  auto done = book.resolve(a, "dr-lee", Resolution{"meds changed", "yes"}, kNow - 24h);
  REQUIRE(done.has_value());
  CHECK(done->status == ActionStatus::kDone);
  auto b = crisis(f, 3, kNow - 1h);
  REQUIRE(book.resolve(b, "dr-lee", "no answer asked", kNow).has_value());

  auto facts = book.yield_facts(kNow - 90 * 24h, 100).value();
  REQUIRE(facts.size() == 3);  // newest first
  CHECK(facts[2].actionable == "no");
  CHECK_FALSE(facts[2].acked.has_value());
  CHECK(facts[1].rule_id == "bp.crisis");
  CHECK(facts[1].patient.value == "patient-1");
  CHECK(facts[1].created == kNow - 2 * 24h);
  CHECK(facts[1].acked == kNow - 2 * 24h + 90s);
  CHECK(facts[1].actionable == "yes");
  CHECK(facts[0].actionable.empty());
  CHECK(book.yield_facts(kNow - 30 * 24h, 100).value().size() == 2);
  // Over the limit the oldest are left out, never the newest.
  auto two = book.yield_facts(kNow - 90 * 24h, 2).value();
  REQUIRE(two.size() == 2);
  CHECK(two[1].created == kNow - 2 * 24h);

  auto audit = f.store->audit_log().rows(a, 10).value();
  REQUIRE(audit.size() == 2);  // newest first
  CHECK(audit[0].action == "resolve");
  CHECK(audit[0].detail == "meds changed [actionable: yes]");
  CHECK(f.store->audit_log().rows(b, 10).value()[0].detail == "no answer asked");
  CHECK(f.store->audit_log().verify().value().ok);
  f.reopen();  // the column is there after a restart (added at open)
  CHECK(f.store->alert_book().yield_facts(kNow - 90 * 24h, 100).value()[1].actionable == "yes");
}
