// The bench's results: every run of every point, their medians, and the issue-15 gates computed
// from them, written as Markdown (for people) and JSON (for tools) — reported, never asserted.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bench/ceiling.h"
#include "bench/fleet.h"
#include "bench/wear.h"

namespace kotona::bench {

struct PointRuns {
  DrainPoint point;
  std::vector<DrainResult> runs;
};

struct Report {
  std::string size;     // "smoke" or "full"
  std::string machine;  // cores, model, kernel: where the figures come from
  std::vector<CeilingResult> ceiling;
  std::vector<PointRuns> drains;
  AppendWear wear;
};

std::string shape_of(const DrainPoint& p);  // e.g. "1x100000"
std::string markdown(const Report& report);
std::string json(const Report& report);
// The flash-wear gate (wear.h): nullopt when not measured, else whether it held.
std::optional<bool> wear_gate_held(const Report& report);

}  // namespace kotona::bench
