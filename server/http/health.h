// Health: what GET /healthz/ready answers (docs/contracts.md "Health"). Liveness is the event
// loop answering at all (/healthz, /healthz/live); readiness is "this instance can take
// readings now": the store accepted a write recently (a probe transaction or a real one) and
// none failed just now, and the ingest is subscribed. Fed by the io thread (store probe,
// ingest, technical and escalation checks), read by the route on the same thread, so the
// answer needs no store call and never waits behind one. Not thread-safe.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/counters.h"
#include "core/reading.h"

namespace kotona::server::http {

class Health {
 public:
  using Clock = std::chrono::steady_clock;
  // How long a successful write counts as recent (the probe runs every second).
  static constexpr std::chrono::seconds kWriteFresh{5};
  // How long after a failed write the store stays "refusing writes" even if a later small
  // write (the probe) got through: a full disk may still take a tiny write while it refuses
  // every batch, and readiness must not flap between them.
  static constexpr std::chrono::seconds kFailureHold{3};

  // Whether the ingest is subscribed; unset: not part of readiness (tests, tools).
  void set_ingest_check(std::function<bool()> subscribed) { subscribed_ = std::move(subscribed); }

  void write_ok(Clock::time_point now) { last_ok_ = now; }
  // Returns true when this failure begins an outage (the store was writable before).
  bool write_failed(const std::string& error, Clock::time_point now, HubTime wall);
  // The outage that ended with this success, when it ended: from `down_since` (wall clock),
  // `failures` failed writes, the first one's error. Clears it (reported once).
  struct Outage {
    HubTime since{};
    std::uint64_t failures = 0;
    std::string first_error;
  };
  std::optional<Outage> take_ended_outage(Clock::time_point now);

  bool store_writable(Clock::time_point now) const;
  struct Verdict {
    bool ready = false;
    std::string text;  // "ready\n" or "not ready: REASON\n"
  };
  Verdict readiness(Clock::time_point now) const;

 private:
  std::function<bool()> subscribed_;
  std::optional<Clock::time_point> last_ok_;
  std::optional<Clock::time_point> last_failure_;
  std::optional<Outage> outage_;  // open while writes fail, until take_ended_outage()
  std::string last_error_;
};

// GET /healthz and /healthz/live: "ok" (liveness); /healthz/ready: 200 "ready" or 503 "not
// ready: REASON" (`health` nullptr: not wired, never ready).
boost::beast::http::response<boost::beast::http::string_body> health_response(
    const boost::beast::http::request<boost::beast::http::string_body>& req, std::string_view path,
    const Health* health, Counters& counters);
// Gauges for /metrics: store_writable and ready (0/1).
std::map<std::string, std::uint64_t> health_gauges(const Health* health);

}  // namespace kotona::server::http
