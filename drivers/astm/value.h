// A result value as an ASTM meter reports it (E1394 / CLSI LIS2-A2 R.4 with the R.7 abnormal
// flag), including the device's own range indicators (DESIGN.md invariant 14): "<0.8" / ">8.0",
// the text LO / HI, and R.7 '<' / '>' ("below absolute low" / "above absolute high", i.e. off
// the instrument's scale, LIS2-A2 §10.1.7). Shared by every ASTM driver so each reads these
// forms the same way. Pure; thread-safe.
#pragma once

#include <string_view>

#include "core/reading.h"
#include "core/result.h"

namespace kotona::drivers::astm {

// The device's measuring range in the result's unit. LO / HI carry no number, so the driver
// supplies the limit the meter's documentation gives (e.g. glucose 1.1..33.3 mmol/L).
struct MeasuringRange {
  double low = 0;
  double high = 0;
};

// A value with its comparator; for a comparator other than kNone, `value` is the range limit.
struct RangedValue {
  double value = 0;
  Comparator comparator = Comparator::kNone;
  friend bool operator==(const RangedValue&, const RangedValue&) = default;
};

// Reads R.4 `text` with R.7 `flag`:
//   "2.6"            -> 2.6, kNone (flags N, L, H, LL, HH, A, empty: reference-range
//                       information, the value itself is exact)
//   "<0.8" / ">8.0"  -> the number, kBelowRange / kAboveRange
//   "LO" / "HI"      -> range.low / range.high with the comparator (also "Lo", "Hi", "LOW",
//                       "HIGH": meters print them in either case)
//   "8.0" + R.7 '>'  -> 8.0, kAboveRange ('<' likewise)
// Errors, kMalformed: not a decimal number ("", "-1", "1e3", "8,0"), a flag other than the
// ones above, or a text comparator contradicting R.7 ("<0.8" flagged '>', "HI" flagged '<').
// A number outside `range` without any indicator is returned as is: the device said it is
// exact, and the server's plausibility check (not the hub) decides what is believable.
[[nodiscard]] Result<RangedValue> parse_ranged_value(std::string_view text, std::string_view flag,
                                                     const MeasuringRange& range);

}  // namespace kotona::drivers::astm
