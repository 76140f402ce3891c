// Records a device sent that its driver refused (drivers::Step::refused_records): the hub
// tallies them per device and reason and reports the tally in every heartbeat (DeviceStatus
// refused), so the server can tell the care team that measured values did not arrive (issue 13,
// invariant 13). Since the hub process started; io thread only. Also the device's current run
// of skipped values (DeviceStatus skipped).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "core/result.h"
#include "proto/codec/wire.h"

namespace kotona::gateway {

// Adds each refusal to `tally` under its Errc name ("malformed", "out_of_range", ...).
inline void tally_refused(std::vector<wire::RefusedRecords>& tally,
                          const std::vector<Error>& refused, HubTime now) {
#ifdef KOTONA_BROKEN_NO_REFUSED_REPORT
  // NEGATIVE CONTROL ONLY (cmake -DKOTONA_BROKEN=no_refused_report): refusals are logged and
  // counted but never reported, so the care team does not hear of the lost values.
  if (!refused.empty()) return;
#endif
  for (const auto& error : refused) {
    const std::string reason(to_string(error.code));
    auto it = std::find_if(tally.begin(), tally.end(),
                           [&](const wire::RefusedRecords& r) { return r.reason == reason; });
    if (it == tally.end()) it = tally.insert(tally.end(), wire::RefusedRecords{reason, 0, now});
    ++it->count;
    it->last = now;
  }
}

// Adds skipped values (drivers::Step::skipped, e.g. "no_skin_contact") to the device's current
// run of them, per name: the run's first and latest time and its count. The caller ends the run
// (clears `runs`) when the device's next reading is stored, so a run says how long the device
// has given nothing but such values; the server alerts when that lasts (invariant 13).
inline void tally_skipped(std::vector<wire::SkippedValues>& runs,
                          const std::vector<std::string>& skipped, HubTime now) {
  for (const auto& name : skipped) {
    auto it = std::find_if(runs.begin(), runs.end(),
                           [&](const wire::SkippedValues& r) { return r.reason == name; });
    if (it == runs.end()) it = runs.insert(runs.end(), wire::SkippedValues{name, 0, now, now});
    ++it->count;
    it->last = now;
  }
}

}  // namespace kotona::gateway
