// Manual entry (issue 20 part 5): a result from a meter that cannot connect (an INR meter with
// infrared only, a cuff without Bluetooth) typed in on the hub's local page. The typed values
// are judged against their kind's ManualEntryRule (core/kinds.h): impossible values are
// refused with the range; a probably mistyped one (outside the usual range, or far from the
// patient's recent readings) gets a question, and the reading is not stored until the person
// confirms. A stored entry is a Reading with provenance `manual` and the entering person, in
// the same outbox as device readings (Gateway::commit), so it is delivered, acked and alerted
// like them. Texts are catalogue keys; the form (gateway/local_page) words them. The enterer's
// name is personal data: never logged here. Io thread only; not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/counters.h"
#include "core/kinds.h"
#include "core/reading.h"
#include "core/result.h"

namespace kotona::gateway {

// The pseudo-device serial and driver of typed-in readings: the server attributes them to a
// patient through an enrolment of this serial on the hub, like any device (invariant 5); the
// server makes it itself while the hub serves one patient (server/store/manual_binding.h).
inline constexpr std::string_view kManualSerial = "manual";

// What the check says about one typed value.
enum class EntryVerdict { kOk, kAsk, kRefuse };

struct EntryFinding {
  EntryVerdict verdict = EntryVerdict::kOk;
  // Catalogue key of the sentence: "manual.refused.range" (outside what is possible),
  // "manual.ask.usual" (outside the usual range), "manual.ask.recent" (far from the recent
  // readings), "manual.refused.missing" (a required value not given),
  // "manual.refused.unknown" (a value the kind does not have), "manual.refused.order"
  // (diastolic not below systolic).
  std::string key;
  std::string component;             // kind table key, e.g. "ratio"
  double value = 0;                  // as typed
  PlausibleLimits range{};           // the range the sentence names (possible or usual)
  std::optional<double> recent;      // the recent value compared with (manual.ask.recent)
  std::optional<double> suggestion;  // a slipped decimal point or digit that lands in `usual`
};

// The patient's recent values per kind-table component ("bp/systolic_mmhg"), newest last,
// from every reading the hub committed (device or typed). In memory: after a hub restart only
// the ranges are checked until readings arrive again.
class RecentValues {
 public:
  static constexpr std::size_t kKeep = 5;
  void note(const Reading& reading);
  // The median of the kept values of `kind`'s component `key`; nullopt when none.
  std::optional<double> typical(std::string_view kind, std::string_view key) const;

 private:
  std::map<std::string, std::deque<double>, std::less<>> values_;
};

// Every finding on `values` typed for `row`: refusals first (any refusal means the entry is
// refused), then the questions. Empty: the values may be sent as typed.
std::vector<EntryFinding> check_manual_values(const KindRow& row,
                                              std::span<const ComponentValue> values,
                                              const RecentValues& recent);

// One submission of the form.
struct ManualForm {
  std::string kind;                    // kind table name: "inr", "bp", ...
  std::vector<ComponentValue> values;  // by kind table key; keys point into the kind table
  DeviceTime measured{};               // when measured (the person's answer, hub clock)
  Enterer enterer = Enterer::kPatient;
  std::string enterer_name;  // relative's / nurse's name or id; may be empty
  std::string entry_id;      // the form's one-time id: a re-submit is the same reading
  bool confirmed = false;    // the person answered "yes, it is right" to the questions
};

struct ManualOutcome {
  enum class State { kStored, kAsk, kRefused };
  State state = State::kRefused;
  std::vector<EntryFinding> findings;  // kAsk / kRefused: what to show
  std::string error;                   // kRefused without a finding: the form itself (English,
                                       // for the log; the page shows `key`)
  std::string key;                     // catalogue key of that error, e.g. "manual.refused.time"
  ReadingUid uid;                      // kStored
};

class ManualEntry {
 public:
  // Stores readings durably (Gateway::commit: the outbox, one transaction).
  using Commit = std::function<Result<void>(std::span<const Reading>)>;
  // Counters: manual_stored, manual_asked, manual_refused, manual_commit_failed.
  ManualEntry(GatewayId gateway, Commit commit, Counters& counters);

  // A reading the hub committed (device or typed): kept for the "far from recent" question.
  void note(std::span<const Reading> readings);
  void recent_note(const Reading& reading) { recent_.note(reading); }

  // Checks, then stores the entry as a manual Reading when nothing is refused and every
  // question was confirmed. `now` is the hub's clock (measured times after now + 5 min, or
  // more than 31 days back, are refused).
  ManualOutcome submit(const ManualForm& form, HubTime now);

  const RecentValues& recent() const { return recent_; }

 private:
  GatewayId gateway_;
  Commit commit_;
  Counters& counters_;
  RecentValues recent_;
};

}  // namespace kotona::gateway
