#include "server/http/health.h"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using kotona::server::http::Health;

TEST_CASE(
    "health: ready only after a recent write, while no write failed just now, and while "
    "the ingest is subscribed") {
  Health h;
  const Health::Clock::time_point t0{};
  const kotona::HubTime wall{std::chrono::milliseconds(1'700'000'000'000)};
  CHECK_FALSE(h.readiness(t0).ready);  // never probed
  h.write_ok(t0);
  CHECK(h.readiness(t0 + 1s).ready);
  CHECK(h.readiness(t0 + 1s).text == "ready\n");
  CHECK_FALSE(h.readiness(t0 + 6s).ready);  // no write for too long

  bool subscribed = false;
  h.set_ingest_check([&] { return subscribed; });
  CHECK(h.readiness(t0 + 1s).text == "not ready: ingest not subscribed\n");
  subscribed = true;

  // A full disk: the batch fails, a tiny probe still commits -> not ready for the hold time.
  CHECK(h.write_failed("database or disk is full", t0 + 2s, wall));
  CHECK_FALSE(h.write_failed("database or disk is full", t0 + 2100ms, wall + 100ms));
  h.write_ok(t0 + 2500ms);
  auto verdict = h.readiness(t0 + 2600ms);
  CHECK_FALSE(verdict.ready);
  CHECK(verdict.text == "not ready: store refuses writes: database or disk is full\n");
  CHECK_FALSE(h.take_ended_outage(t0 + 2600ms));  // not over yet

  h.write_ok(t0 + 5200ms);
  CHECK(h.readiness(t0 + 5200ms).ready);
  auto outage = h.take_ended_outage(t0 + 5200ms);
  REQUIRE(outage);
  CHECK(outage->since == wall);
  CHECK(outage->failures == 2);
  CHECK(outage->first_error == "database or disk is full");
  CHECK_FALSE(h.take_ended_outage(t0 + 5300ms));  // reported once
}
