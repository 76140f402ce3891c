// Hub refusal reports across a hub restart (issue 13, invariant 13), on both backends: the
// hub's tally of refused records (DeviceStatus.refused) lives in its memory and restarts at 0
// with the hub. The server keys each refusal episode by the time of the latest refusal, never
// by the count, so a lower count after a restart is neither a missed nor a double alert.
#include <doctest/doctest.h>

#include "server/alerts/technical.h"
#include "server/store/store.h"
#include "tests/support/store_fixture.h"

using namespace kotona;
using namespace kotona::server::store;
using namespace std::chrono_literals;

namespace {

const GatewayId kGw{"gw-1"};
const HubTime kNow{std::chrono::milliseconds{1'790'000'000'000}};

// patient-1's glucose meter GL1, enrolled as of kNow.
struct Hub : test::StoreFixture {
  Hub() : StoreFixture(test::enrolments(kGw, {"GL1"}), kNow) {}
  // One heartbeat as ingest stores it, then one technical pass: the alerts it raised or grouped.
  std::vector<StoredAlert> heartbeat(HubTime at, const std::string& refused_json,
                                     std::string_view rule = "device.record_refused") {
    const std::string status =
        "{\"sent_unix_ms\":" + std::to_string(at.time_since_epoch().count()) +
        ",\"devices\":[{\"serial\":\"GL1\",\"state\":\"connected\"," + "\"last_seen_unix_ms\":1" +
        refused_json + "}]}";
    REQUIRE(store->technical().upsert_gateway_status({kGw, at, 0, status}));
    std::vector<server::alerts::TechnicalDraft> drafts;
    auto views = store->technical().gateway_views(at);
    REQUIRE(views.has_value());
    for (const auto& g : *views) {
      for (auto& d : server::alerts::evaluate_gateway(g, at, HubTime{}, {})) {
        if (d.rule_id == rule) drafts.push_back(std::move(d));
      }
    }
    return store->alert_book().insert_technical_alerts(drafts, at).value();
  }
  std::int64_t alerts() { return store->count_rows("alerts").value(); }
};

std::string refused(int count, std::int64_t last_unix_ms) {
  return ",\"refused\":[{\"reason\":\"malformed\",\"count\":" + std::to_string(count) +
         ",\"last_unix_ms\":" + std::to_string(last_unix_ms) + "}]";
}

}  // namespace

TEST_CASE(
    "device.record_refused across a hub restart: 2 refused, restart (count back to 0, then 1) "
    "-> the new refusal grouped into the open alert, never missed, repeated heartbeats of "
    "either run -> nothing more") {
  Hub hub;
  const std::int64_t t1 = (kNow - 10min).time_since_epoch().count();
  auto first = hub.heartbeat(kNow, refused(2, t1));
  REQUIRE(first.size() == 1);
  CHECK(first[0].change == "raised");
  CHECK(hub.heartbeat(kNow + 30s, refused(2, t1)).empty());  // the same tally again
  // The hub restarts: its tally is empty, then one more refusal, count 1 (< 2 before).
  CHECK(hub.heartbeat(kNow + 60s, "").empty());
  const std::int64_t t2 = (kNow + 70s).time_since_epoch().count();
  auto after = hub.heartbeat(kNow + 90s, refused(1, t2));
  REQUIRE(after.size() == 1);  // not missed although the count went down
  CHECK(after[0].change == "grouped");
  CHECK(after[0].crossings == 2);
  CHECK(hub.heartbeat(kNow + 120s, refused(1, t2)).empty());  // not doubled
  // A second restart whose first refusal leaves the count at 2 again, as before the first
  // restart: a new refusal all the same (its time is new).
  const std::int64_t t3 = (kNow + 150s).time_since_epoch().count();
  auto third = hub.heartbeat(kNow + 160s, refused(2, t3));
  REQUIRE(third.size() == 1);
  CHECK(third[0].crossings == 3);
  CHECK(hub.alerts() == 1);  // one alert for the device, three episodes grouped
}

TEST_CASE(
    "device.no_skin_contact from a stored heartbeat: the strap's run of skipped values read back "
    "from the status JSON, raised once it lasts 10 min, the same run in later heartbeats grouped "
    "into nothing new, a new run after a stored reading is a new episode of the same alert") {
  Hub hub;
  auto run = [](int count, HubTime since, HubTime last) {
    return ",\"skipped\":[{\"reason\":\"no_skin_contact\",\"count\":" + std::to_string(count) +
           ",\"since_unix_ms\":" + std::to_string(since.time_since_epoch().count()) +
           ",\"last_unix_ms\":" + std::to_string(last.time_since_epoch().count()) + "}]";
  };
  const std::string_view rule = "device.no_skin_contact";
  const HubTime start = kNow - 20min;
  CHECK(hub.heartbeat(kNow, run(5, start, start + 9min), rule).empty());  // not long enough
  auto raised = hub.heartbeat(kNow + 30s, run(6, start, start + 10min), rule);
  REQUIRE(raised.size() == 1);
  CHECK(raised[0].change == "raised");
  CHECK(hub.heartbeat(kNow + 60s, run(9, start, start + 11min), rule).empty());  // same run
  const HubTime later = kNow + 1h;  // a reading ended the run; a new one
  auto again = hub.heartbeat(kNow + 2h, run(70, later, later + 15min), rule);
  REQUIRE(again.size() == 1);
  CHECK(again[0].change == "grouped");
  CHECK(hub.alerts() == 1);
}
