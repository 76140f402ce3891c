// SseHub following the events table (scale-out: another instance's store connection writes
// the same database), on both backends; the sse_clients gauge.
#include <doctest/doctest.h>

#include "server/http/test_served.h"

using namespace kotona;
using namespace kotona::server;
using namespace kotona::server::http::test_served;

namespace {

// A second connection to the Served store's database: another server instance's store.
std::unique_ptr<store::Store> other_instance(const std::string& location) {
  return std::move(store::Store::open(location).value());
}

std::int64_t store_crisis(store::Store& store, int record) {
  auto out = store.ledger().store_batch(kGw, {kGw, 1, {bp(record, 190)}, {}}, HubTime{});
  REQUIRE(out.has_value());
  REQUIRE(out->new_alerts.size() == 1);
  return out->new_alerts.front().event_id;
}

std::vector<std::int64_t> drain(http::SseSubscriber& sub) {
  std::vector<std::int64_t> ids;
  for (const auto& frame : sub.frames) ids.push_back(frame.event_id);
  sub.frames.clear();
  return ids;
}

}  // namespace

TEST_CASE("SseHub following: another instance's lower id goes out before a local publish") {
  test::TempDir dir;
  const auto location = test::test_store_location(dir.path());
  auto here = other_instance(location);
  auto there = other_instance(location);
  REQUIRE(here->patients().add_enrolment(
      {kGw, DeviceSerial{"BP1"}, PatientId{"patient-1"}, HubTime{}, std::nullopt}));
  asio::io_context io;
  Counters counters;
  http::SseHub hub(io);
  hub.follow(*here, counters, 50ms);
  const auto before = store_crisis(*there, 1);  // committed before anyone listened: not live
  auto sub = hub.subscribe();

  // The other instance commits first; this one commits later and publishes at once. Pushing
  // only the local alert would send the higher id first, and the stream would then drop the
  // lower one as already seen (invariant 8).
  const auto theirs = store_crisis(*there, 2);
  auto local = here->ledger().store_batch(kGw, {kGw, 1, {bp(3, 190)}, {}}, HubTime{});
  REQUIRE(local.has_value());
  const auto ours = local->new_alerts.at(0).event_id;
  hub.publish(local->new_alerts);
  CHECK(drain(*sub) == std::vector<std::int64_t>{theirs, ours});
  CHECK(before < theirs);

  // Published again (or seen again by the poll): never twice.
  hub.publish(local->new_alerts);
  io.run_for(120ms);
  CHECK(sub->frames.empty());

  // Nothing published here: the poll brings the other instance's event within its interval.
  const auto later = store_crisis(*there, 4);
  for (int i = 0; i < 40 && sub->frames.empty(); ++i) io.run_for(25ms);
  CHECK(drain(*sub) == std::vector<std::int64_t>{later});
  CHECK(counters.get("sse_events_read") == 3);
  hub.close_all();
}

TEST_CASE("http: SSE stream on a following hub -> another instance's alerts live, once, in order") {
  Served s;
  on_io(s.io, [&] {
    s.hub.follow(*s.store, s.counters, 50ms);
    return 0;
  });
  auto there = other_instance(s.location);
  SseReader sse(s.port, "/api/v1/stream", "", s.token);
  CHECK(sse.ids(1, 300ms).empty());  // connected, nothing yet
  std::vector<std::string> expected;
  for (int record = 1; record <= 3; ++record) {
    expected.push_back(std::to_string(store_crisis(*there, record)));
  }
  for (auto id : s.add_alerts({4})) expected.push_back(std::to_string(id));  // local publish
  CHECK(sse.ids(4) == expected);
  CHECK(sse.ids(5, 300ms) == expected);  // nothing twice
  // Replay from another instance's id works the same (ids are the database's).
  SseReader replay(s.port, "/api/v1/stream", expected[1], s.token);
  CHECK(replay.ids(2) == std::vector<std::string>{expected[2], expected[3]});
}

TEST_CASE("http: /metrics -> sse_clients is a gauge (goes down when a stream ends)") {
  Served s;
  auto metrics = [&] { return s.request(bhttp::verb::get, "/metrics").body(); };
  const auto token = s.login("dr-lee");
  SseReader sse(s.port, "/api/v1/stream", "", token);
  CHECK(sse.ids(1, 200ms).empty());
  auto text = metrics();
  CHECK(text.find("# TYPE sse_clients gauge\nsse_clients 1\n") != std::string::npos);
  CHECK(text.find("sse_clients counter") == std::string::npos);
  // The stream ends at its next wake-up once its token is gone.
  CHECK(s.request(bhttp::verb::post, "/api/v1/logout", token).result() == bhttp::status::ok);
  s.add_alerts({1});
  bool down = false;
  for (int i = 0; i < 50 && !down; ++i) {
    down = metrics().find("\nsse_clients 0\n") != std::string::npos;
    if (!down) std::this_thread::sleep_for(20ms);
  }
  CHECK(down);
}

TEST_CASE("http: /metrics -> the record outbox's gauges when the push is on, none when off") {
  {
    Served off;
    auto text = off.request(bhttp::verb::get, "/metrics").body();
    CHECK(text.find("record_outbox_pending") == std::string::npos);
  }
  http::HttpOptions options;
  std::atomic<int> failures{0};  // the server answers on its own thread
  options.record_gauges = [&]() -> Result<std::map<std::string, std::uint64_t>> {
    if (failures-- > 0) return fail(Errc::kIo, "outbox unreadable");
    return std::map<std::string, std::uint64_t>{{"record_outbox_pending", 7},
                                                {"record_outbox_oldest_age_seconds", 42}};
  };
  Served on({}, options);
  auto text = on.request(bhttp::verb::get, "/metrics").body();
  CHECK(text.find("# TYPE record_outbox_pending gauge\nrecord_outbox_pending 7\n") !=
        std::string::npos);
  CHECK(text.find("# TYPE record_outbox_oldest_age_seconds gauge\n"
                  "record_outbox_oldest_age_seconds 42\n") != std::string::npos);
  // Unreadable: the other metrics still answer, the gauges are left out, store_error counted.
  failures = 1;
  auto response = on.request(bhttp::verb::get, "/metrics");
  CHECK(response.result() == bhttp::status::ok);
  CHECK(response.body().find("record_outbox_pending") == std::string::npos);
  CHECK(response.body().find("store_error 1") != std::string::npos);
}
