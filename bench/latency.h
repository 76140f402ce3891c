// Live readings at a fixed rate through real simulated meters (issue 15): `meters` astm-bp
// firmware-sim devices on pseudo-terminals, each measuring `per_meter_per_s` readings a second
// (every 4th hypertensive, so the bp.crisis rule fires), read by one kotona-gateway, through
// mosquitto into kotona-server (SQLite), with the bench on the SSE feed. Measures, per alert
// event: hub receive -> server receive -> the bench reading the event off the stream; and, per
// reading, the CPU and peak RSS of the hub, the server and the broker. Real processes only.
#pragma once

#include <string>
#include <vector>

namespace kotona::bench {

struct RatePoint {
  int meters = 1;
  int per_meter_per_s = 20;
  int seconds = 20;  // how long the meters measure
};

// p50 / p99 / max of a set of millisecond samples; all -1 when there are none.
struct Spread {
  double p50 = -1, p99 = -1, max = -1;
  std::size_t n = 0;
};
Spread spread_of(std::vector<double> samples_ms);

struct RateResult {
  bool complete = false;      // every reading the meters delivered was stored, within the time
  long delivered = 0;         // readings the meters' ledgers say the hub took
  double achieved_per_s = 0;  // delivered / measuring time
  // Per alert event (one per hypertensive reading: raised, then grouped), in ms on the wall
  // clock: the reading's hub time -> its alert's server receive time (`last_at`) -> the bench
  // parsed the event off the stream. Hub and server times are whole milliseconds.
  Spread hub_to_sse, hub_to_server, server_to_sse;
  // The bare floor of the same path, measured in the same run on the same disk: one SQLite
  // commit (WAL, synchronous=FULL, a 300-byte row), as the hub does before it sends and the
  // server before it acks and raises; 200 commits, ms.
  Spread commit;
  // CPU (user + system) per delivered reading, µs, over the measuring time and the drain.
  double hub_cpu_us = 0, server_cpu_us = 0, broker_cpu_us = 0;
  double hub_rss_mb = 0, server_rss_mb = 0, broker_rss_mb = 0;  // peak
  std::string failure;
};

// e.g. "1 meter x 1 every 50 ms": what the meters are told; an ASTM transfer takes its own time
// on top, so the rate reached is lower (RateResult::achieved_per_s).
std::string rate_label(const RatePoint& p);

// Runs one point; never throws for a slow system (complete = false, failure says why).
RateResult run_rate(const RatePoint& point);

}  // namespace kotona::bench
