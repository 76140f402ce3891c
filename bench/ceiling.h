// The broker's QoS 1 ceiling in this run (issue 15): the bare baseline Kotona's drain is a
// ratio of.
#pragma once

#include <cstddef>
#include <string>

namespace kotona::bench {

struct CeilingResult {
  bool complete = false;
  double msgs_per_s = 0;  // publisher's first publish -> subscriber has every message
  std::string failure;
};

CeilingResult run_ceiling(long messages, std::size_t payload_bytes, int timeout_s);

}  // namespace kotona::bench
