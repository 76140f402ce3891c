// Server plausibility check (DESIGN.md invariant 14, issue 13): per kind, physiological limits
// outside which a value cannot be a real measurement of a living patient at home (a failing
// device, a corrupted record, tampering). Such a reading is stored flagged
// quality.implausible, never raises a clinical alert, and raises the technical alert
// reading.implausible naming the value. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "core/reading.h"

namespace kotona::server::alerts {

inline constexpr std::string_view kReadingImplausibleRule = "reading.implausible";
// A value no store may hold (NaN, inf, beyond +-1e6) was rejected by the codec: the reading
// stays in quarantine and this technical alert names the value (invariant 13).
inline constexpr std::string_view kReadingUnrepresentableRule = "reading.unrepresentable";

// Limits per value: core/kinds.cpp (the kind table), with the reason for each.
// The first value of `m` outside its limits, described for a clinician ("systolic 420 mmHg
// outside 40..300"), or nullopt when every value is plausible. A value with a comparator is
// judged by what it says: "> 8.0" is implausible only if 8.0 is already above the limit,
// "< 1.1" only if 1.1 is below it. Implant summaries have no limits here (the relay protocol
// bounds them). Non-finite values never get here: the codec rejects them.
std::optional<std::string> find_implausible_value(const Measurement& m);

// The same value as data, for the alert's values (the page names it in the reader's language:
// the catalogue's series.<key>, the comparator "<", ">" or "", the value and its limits).
struct ImplausibleValue {
  std::string key, cmp;
  double value = 0, low = 0, high = 0;
};
std::optional<ImplausibleValue> find_implausible(const Measurement& m);

}  // namespace kotona::server::alerts
