// Backlog drain (issue 15): hubs whose outboxes already hold a backlog (an outage just ended)
// connect to a real mosquitto and a real kotona-server — or a null ingest that decodes and acks
// without storing — and the bench times how long the backlog takes to arrive and to leave the
// hubs, and what it cost. Real processes only; one TempDir per run.
#pragma once

#include <chrono>
#include <string>

#include "gateway/outbox/outbox.h"

namespace kotona::bench {

struct DrainPoint {
  // "sqlite", "postgresql" (needs pg_uri), "null" (decode + ack) or "node" (the Node peer,
  // needs node_dir: bench/node_peer installed by bench/run.sh)
  std::string store = "sqlite";
  int hubs = 1;
  int readings_per_hub = 10000;
  std::string pg_uri;  // libpq URI of a cluster the bench may create databases in
  std::string node_dir = "";
};

struct DrainResult {
  bool complete = false;     // every reading arrived and every outbox emptied in time
  double rows_s = 0;         // hubs started -> the server has every reading
  double empty_s = 0;        // hubs started -> every outbox is empty
  long resent = 0;           // readings the server received more than once
  double ingest_cpu_us = 0;  // ingest process CPU (user + system) per reading
  double hub_rss_mb = 0;     // peak RSS of the largest hub
  double ingest_rss_mb = 0;  // peak RSS of the server (or null ingest)
  double broker_rss_mb = 0;
  // kotona-server only, per batch stored (means, ms): waiting in its inbox for the io thread,
  // and from its handling to its ack (the rest of its group, the commit); -1 for a peer.
  double inbox_wait_ms = -1;
  double handled_to_ack_ms = -1;
  // Bytes every hub wrote to its storage (wear.h), less its log file, over the readings: the
  // deletes after the acks and their checkpoints (and the hub's start); -1 when unknown.
  double hub_write_bytes_per_reading = -1;
  // Growth (one hub into a real store, after the drain): one patient holding every reading.
  double query_day_ms = -1;  // median of 5: that patient's readings of one day (1440)
  // FHIR $everything of the 10 days up to that day (<= 14 400 readings: the export's cap is
  // 20 000, fhir_routes.h).
  double export_ms = -1;
  double export_rss_mb = -1;  // server resident set right after that export
  std::string failure;        // why not complete, with the tails of the logs
};

// When the first reading of every backlog was measured: 2021-01-01T00:00Z, so that even 1M
// readings a minute apart end in the past (the server rebases hub times more than a day ahead).
inline constexpr std::chrono::seconds kBacklogStart{1'609'459'200};

// Reading `index` of hub `hub`'s backlog as the gateway's commit path stores it: a
// blood-pressure reading, one minute after the one before, from kBacklogStart.
gateway::OutboxEntry make_backlog_entry(int hub, int index);

// Runs one point; never throws for a slow system (complete = false after the timeout).
DrainResult run_drain(const DrainPoint& point, int timeout_s);

// The null ingest as its own process (`kotona-bench null-ingest URI N`): subscribes like the
// server, decodes every batch, acks every uid, stores nothing; exits after N readings.
int null_ingest_main(const std::string& uri, long expected);

// The backlog an outage leaves: `n` readings of hub `hub` (make_backlog_entry) already in the
// outbox at `path`. Error: a description in `error`, false.
bool fill_outbox(const std::string& path, int hub, int n, std::string& error);
// `kotona-bench fill-outbox PATH HUB N`: the same outside a run, to profile one hub by hand
// (docs/performance.md: the hub's peak RSS under heaptrack).
int fill_outbox_main(const std::string& path, int hub, int n);

}  // namespace kotona::bench
