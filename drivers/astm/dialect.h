// ASTM dialects as data (issue 14): how one vendor family lays out its E1394 / LIS2-A2
// records, chosen per message by the H record's sender name (H.5). A message in a vendor
// dialect is translated into the reference layout (the generic LIS2-A2 form the drivers/astm_*
// parsers read), so one parser per measurement serves every dialect and a meter whose firmware
// update changes its dialect is read either way. Pure; thread-safe.
//
// Sources (facts only; layouts re-described here, no code taken):
// - generic LIS2-A2 (reference): CLSI LIS2-A2 §7-§12 (H.5 sender name vendor^model^serial^
//   firmware, O.8 specimen time, R.3 universal test id ^^^local code or LOINC in R.3.1, R.7
//   abnormal flags); LOINC 6301-6 INR, 41653-7 / 2339-0 / 2345-7 glucose mass concentration.
// - Ascensia / Bayer Contour family (Contour USB, Contour Next USB / Link / One): the
//   glucometerutils project (glucometerutils/support/contourusb.py and its test
//   test_contourusb.py: header "H|\^&||7w3LBL|Bayer7390^01.24\01.04\09.02.20^7390-2336773^7403-|
//   A=1^...^U=0^...|1714||||||1|201909221304", result "R|8|^^^Glucose|133|mg/dL^P||B/X||
//   201202052034"), Tidepool's uploader (lib/drivers/bayer/bayerContourNext.js: R directly
//   after P with no O record, 12-digit test time in R.9, R.7 markers '/'-separated, '>' above
//   and '<' below the meter's range, 'C' control solution) and glucodump's contourusb.py
//   (markers B before food, A after food, C control, D/I/S/X feelings and activity, Z1..ZC
//   time after food; O.12 'Q' marks a control test on older meters; versions in H.5 are
//   separated by the repeat delimiter '\'). Ascensia's own programming guide
//   (protocols.ascensia.com) is cited by both but was not reachable.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "drivers/astm/record.h"

namespace kotona::drivers::astm {

// What a vendor's result marker means in the reference layout.
enum class Marker { kBeforeMeal, kAfterMeal, kFasting, kControl, kBelowRange, kAboveRange };

// A test id as the vendor sends it (in R.3 component `component`) and its reference id.
struct TestAlias {
  std::size_t component = 4;
  std::string_view sent;
  std::string_view reference;  // "GLU", "INR", "PT", ...
};

struct MarkerCode {
  std::string_view code;
  Marker meaning;
};

// Where the device serial sits in H.5.
enum class SerialAt {
  kComponent3,    // vendor^model^serial^firmware (LIS2-A2 reference layout)
  kAfterVersions  // product^version\version\version^serial^sku (Contour): the component
                  // after the versions, which the repeat delimiter separates
};

struct Dialect {
  std::string_view name;           // "lis2-a2", "contour"
  std::string_view sender_prefix;  // H.5 first component starts with this; "" = fallback
  std::string_view vendor;         // vendor name for readings (empty: H.5.1 as sent)
  SerialAt serial = SerialAt::kComponent3;
  bool results_without_order = false;  // R follows P with no O record: each R is one test
  std::size_t result_time_field = 0;   // R field with the test time (no-O dialects)
  std::size_t marker_field = 0;        // R field with '/'-separated markers; 0: none
  std::span<const TestAlias> tests;    // ids translated; others pass unchanged
  std::span<const MarkerCode> markers;
};

// Every dialect, fallback (generic LIS2-A2, the reference layout) last.
std::span<const Dialect> all_dialects();

// The dialect whose sender prefix H.5.1 starts with; the generic LIS2-A2 one otherwise.
const Dialect& select_dialect(const Record& h);

// `text` (records separated by CR, H first) in the reference layout. A message already in it
// comes back byte for byte. Errors: kTruncated (empty), kMalformed (bad H or delimiters, no
// serial where the dialect keeps it). Error offsets of later checks refer to the result.
[[nodiscard]] Result<std::string> to_reference_layout(std::string_view text);

}  // namespace kotona::drivers::astm
