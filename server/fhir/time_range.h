// The time range of a FHIR $everything export (start/end query parameters) and the FHIR
// instant text of a time. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/reading.h"
#include "core/result.h"

namespace kotona::server::fhir {

// Readings measured in [from, to); no `to`: no upper bound.
struct TimeRange {
  HubTime from{};
  std::optional<HubTime> to;
};

// Parses the export's start and end (either may be absent): a UTC date YYYY-MM-DD (start: that
// day's 00:00Z; end: the whole day included, i.e. the next day's 00:00Z), or an instant
// YYYY-MM-DDThh:mm:ss[.fff](Z|+hh:mm|-hh:mm) (end exclusive). Errors: kMalformed naming the
// parameter; kOutOfRange when end is not after start.
[[nodiscard]] Result<TimeRange> parse_time_range(const std::optional<std::string>& start,
                                                 const std::optional<std::string>& end);

// "2026-11-23T09:16:41Z", with ".123" when the milliseconds are not zero (FHIR instant and
// dateTime both accept it).
std::string fhir_instant(HubTime t);

}  // namespace kotona::server::fhir
