// The bench's results: every run of every point, their medians, and the issue-15 gates computed
// from them, written as Markdown (for people) and JSON (for tools) — reported, never asserted.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bench/ceiling.h"
#include "bench/feed.h"
#include "bench/fleet.h"
#include "bench/hubs.h"
#include "bench/latency.h"
#include "bench/wear.h"

namespace kotona::bench {

struct PointRuns {
  DrainPoint point;
  std::vector<DrainResult> runs;
};

struct RateRuns {  // live readings through real simulated meters (latency.h)
  RatePoint point;
  std::vector<RateResult> runs;
};
struct FeedRuns {  // live readings from feed hubs at a fixed total rate (feed.h)
  FeedPoint point;
  std::vector<FeedResult> runs;
};

struct HubsRuns {  // many hubs connected with heartbeats (hubs.h)
  HubsPoint point;
  std::vector<HubsResult> runs;
};

struct Report {
  std::string size;     // "smoke" or "full"
  std::string machine;  // cores, model, kernel: where the figures come from
  std::vector<CeilingResult> ceiling;
  std::vector<PointRuns> drains;
  AppendWear wear;
  std::vector<RateRuns> rates;
  std::vector<FeedRuns> feeds;
  std::vector<HubsRuns> hubs;
};

std::string shape_of(const DrainPoint& p);  // e.g. "1x100000"
std::string markdown(const Report& report);
// The live points' tables and their gate (report_live.cpp); part of markdown() / json().
std::string live_markdown(const Report& report);
std::string live_json(const Report& report);  // ,"rates":[...],"feeds":[...],"hubs":[...]
std::string json(const Report& report);
// The flash-wear gate (wear.h): nullopt when not measured, else whether it held.
std::optional<bool> wear_gate_held(const Report& report);

}  // namespace kotona::bench
