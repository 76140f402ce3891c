// Fixed-rate cost (issue 15): live readings at a set total rate from several hubs, each reading
// committed to its hub's outbox on its own (as a meter's result arrives) and sent by the hub's
// own Uplink at once, into kotona-server through mosquitto. The hubs are `kotona-bench feed`
// processes: the gateway's Outbox and Uplink without drivers, so their CPU is the hub's
// commit-and-send path; the drivers' share is in the rate point through real meters
// (latency.h). Reports CPU per reading and peak RSS of hub, server and broker.
#pragma once

#include <string>

namespace kotona::bench {

struct FeedPoint {
  int hubs = 10;
  int per_s = 1000;  // all hubs together
  int seconds = 10;
};

struct FeedResult {
  bool complete = false;  // every reading appended was stored and every outbox emptied
  long readings = 0;
  double stored_s = 0;  // first hub feeding -> the server has every reading
  double hub_cpu_us = 0, server_cpu_us = 0, broker_cpu_us = 0;  // per reading; hubs summed
  double hub_rss_mb = 0, server_rss_mb = 0, broker_rss_mb = 0;  // peak; the largest hub
  long resent = 0;                                              // readings_duplicate
  std::string failure;
};

std::string feed_label(const FeedPoint& p);  // "1000/s (10 hubs)"
FeedResult run_feed(const FeedPoint& point);

// `kotona-bench feed URI HUB OUTBOX PER_S SECONDS`: one live hub. Connects, then commits PER_S
// readings a second for SECONDS (one transaction each) and pokes its Uplink after each tick;
// prints "feed: connected", then "feed: empty N" once all N were acked, and then idles until
// killed (so its CPU can still be read); exits 1 when an append fails.
int feed_main(const std::string& uri, int hub, const std::string& outbox, int per_s, int seconds);

}  // namespace kotona::bench
