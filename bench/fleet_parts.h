// What the drain (fleet.cpp) and the fixed-rate feed (feed.cpp) share: hub and meter names,
// starting kotona-server for a point, reading its counters. Bench-internal.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "bench/fleet.h"
#include "tests/support/process.h"

namespace kotona::bench {

std::string hub_id(int h);        // "gw-bench-0007"
std::string meter_serial(int h);  // the one BP meter of hub h, enrolled for patient-<h+1>

struct Ingest {  // kotona-server or the null ingest
  std::unique_ptr<test::Child> child;
  int http_port = 0;
  std::string token;
};

// kotona-server on `p.store` with hubs 0 .. p.hubs-1 enrolled (one meter each), then
// `extra_config` lines; throws when it does not start.
Ingest start_server(const DrainPoint& p, const test::TempDir& dir, const std::string& broker,
                    const std::string& extra_config = "");
// One counter from the server's /metrics (`token` is an admin's); -1 when unreachable.
long metric(int port, const std::string& token, const std::string& name);
// The same with the bearer token already set (test::set_bearer_token): no login, which would
// cost the server a password hash counted as CPU per reading.
long metric_now(int port, const std::string& name);
double seconds_since(std::chrono::steady_clock::time_point t0);
std::string tail(const std::string& text, std::size_t n);  // the last n bytes

}  // namespace kotona::bench
