#include "gateway/manual_entry/manual_entry.h"

#include <algorithm>
#include <cmath>

#include "core/log.h"

namespace kotona::gateway {

namespace {

constexpr auto kFutureSlack = std::chrono::minutes{5};
constexpr auto kOldest = std::chrono::days{31};
constexpr std::size_t kMaxEntryId = 32;

std::string component_path(std::string_view kind, std::string_view key) {
  return std::string(kind) + "/" + std::string(key);
}

bool inside(const PlausibleLimits& r, double v) { return v >= r.low && v <= r.high; }

// A slipped decimal point or digit (25 for 2.5, 1400 for 140, 8.0 for 80): the first of
// value / 10, / 100, * 10 that lands in the usual range.
std::optional<double> slipped(const ManualEntryRule& rule, double v) {
  for (double f : {0.1, 0.01, 10.0}) {
    const double x = std::round(v * f * 100) / 100;
    if (inside(rule.usual, x)) return x;
  }
  return std::nullopt;
}

bool valid_entry_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxEntryId) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
  });
}

ManualOutcome refused(std::string key, std::string error) {
  ManualOutcome out;
  out.state = ManualOutcome::State::kRefused;
  out.key = std::move(key);
  out.error = std::move(error);
  return out;
}

}  // namespace

void RecentValues::note(const Reading& reading) {
  if (reading.quality.control_result) return;  // a control solution is not the patient
  const std::string_view kind = kind_name(reading.measurement);
  for (const auto& v : component_values(reading.measurement)) {
    if (v.comparator != Comparator::kNone) continue;  // a meter's limit is not a value
    auto& kept = values_[component_path(kind, v.key)];
    kept.push_back(v.value);
    if (kept.size() > kKeep) kept.pop_front();
  }
}

std::optional<double> RecentValues::typical(std::string_view kind, std::string_view key) const {
  auto it = values_.find(component_path(kind, key));
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  std::vector<double> v(it->second.begin(), it->second.end());
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::vector<EntryFinding> check_manual_values(const KindRow& row,
                                              std::span<const ComponentValue> values,
                                              const RecentValues& recent) {
  std::vector<EntryFinding> refusals, questions;
  for (const auto& v : values) {
    EntryFinding f;
    f.component = std::string(v.key);
    f.value = v.value;
    const KindComponent* c = find_component(row, v.key);
    if (c == nullptr || !c->manual) {
      f.verdict = EntryVerdict::kRefuse;
      f.key = "manual.refused.unknown";
      refusals.push_back(std::move(f));
      continue;
    }
    const ManualEntryRule& rule = *c->manual;
    if (!std::isfinite(v.value) || !inside(rule.possible, v.value)) {
      f.verdict = EntryVerdict::kRefuse;
      f.key = "manual.refused.range";
      f.range = rule.possible;
      refusals.push_back(std::move(f));
      continue;
    }
    if (!inside(rule.usual, v.value)) {
      f.verdict = EntryVerdict::kAsk;
      f.key = "manual.ask.usual";
      f.range = rule.usual;
      f.suggestion = slipped(rule, v.value);
      questions.push_back(std::move(f));
      continue;
    }
    const auto typical = recent.typical(row.name, v.key);
    if (rule.recent_change > 0 && typical && std::fabs(v.value - *typical) > rule.recent_change) {
      f.verdict = EntryVerdict::kAsk;
      f.key = "manual.ask.recent";
      f.range = rule.usual;
      f.recent = typical;
      questions.push_back(std::move(f));
    }
  }
  // Blood pressure: the diastolic is below the systolic by definition.
  if (row.name == "bp" && refusals.empty()) {
    std::optional<double> sys, dia;
    for (const auto& v : values) {
      if (v.key == "systolic_mmhg") sys = v.value;
      if (v.key == "diastolic_mmhg") dia = v.value;
    }
    if (sys && dia && *dia >= *sys) {
      EntryFinding f;
      f.verdict = EntryVerdict::kRefuse;
      f.key = "manual.refused.order";
      f.component = "diastolic_mmhg";
      f.value = *dia;
      refusals.push_back(std::move(f));
    }
  }
  refusals.insert(refusals.end(), questions.begin(), questions.end());
  return refusals;
}

ManualEntry::ManualEntry(GatewayId gateway, Commit commit, Counters& counters)
    : gateway_(std::move(gateway)), commit_(std::move(commit)), counters_(counters) {}

void ManualEntry::note(std::span<const Reading> readings) {
  for (const auto& r : readings) recent_.note(r);
}

ManualOutcome ManualEntry::submit(const ManualForm& form, HubTime now) {
  auto refuse = [this](std::string key, std::string error) {
    counters_.add("manual_refused");
    log_warn("manual", "entry refused: " + error);  // never the enterer's name
    return refused(std::move(key), std::move(error));
  };
  const KindRow* row = find_kind(form.kind);
  const bool enterable =
      row != nullptr && std::any_of(row->components.begin(), row->components.end(),
                                    [](const KindComponent& c) { return c.manual.has_value(); });
  if (!enterable)
    return refuse("manual.refused.kind", "kind " + log_quote(form.kind) + " cannot be typed in");
  const auto measured_ms = std::chrono::time_point_cast<std::chrono::milliseconds>(form.measured);
  if (measured_ms > now + kFutureSlack) {
    return refuse("manual.refused.future", "measured time is in the future");
  }
  if (measured_ms < now - kOldest) {
    return refuse("manual.refused.old", "measured time is more than 31 days back");
  }
  if (!is_valid_enterer_name(form.enterer_name)) {
    return refuse("manual.refused.name", "enterer name too long or not printable text");
  }
  if (!form.entry_id.empty() && !valid_entry_id(form.entry_id)) {
    return refuse("manual.refused.form", "entry id is not 1..32 of [A-Za-z0-9-]");
  }
  ManualOutcome out;
  out.findings = check_manual_values(*row, form.values, recent_);
  if (!out.findings.empty() && out.findings.front().verdict == EntryVerdict::kRefuse) {
    counters_.add("manual_refused");
    log_warn("manual", "entry refused: " + std::string(row->name) + " " +
                           out.findings.front().component + " " + out.findings.front().key);
    out.state = ManualOutcome::State::kRefused;
    out.key = out.findings.front().key;
    return out;
  }
  if (!out.findings.empty() && !form.confirmed) {
    counters_.add("manual_asked");
    out.state = ManualOutcome::State::kAsk;
    return out;
  }
  auto measurement = make_measurement(*row, form.values);
  if (!measurement) return refuse("manual.refused.missing", measurement.error().detail);
  Reading r;
  r.device.serial = DeviceSerial{std::string(kManualSerial)};
  r.device.driver = std::string(kManualSerial);
  r.record_id = "m" + (form.entry_id.empty() ? std::to_string(now.time_since_epoch().count())
                                             : form.entry_id);
  r.device_time = std::chrono::floor<std::chrono::minutes>(form.measured);
  r.hub_time = now;
  r.clock_offset = std::chrono::seconds{0};  // typed by the hub's clock, not a meter's
  r.quality.device_time_precision = TimePrecision::kMinute;
  r.measurement = std::move(*measurement);
  r.provenance = Provenance{EntrySource::kManual, form.enterer, form.enterer_name};
  finalize_reading(gateway_, r);
  const Reading one[] = {r};
  if (auto committed = commit_(one); !committed) {
    counters_.add("manual_commit_failed");
    log_error("manual", "entry not stored: " + committed.error().detail);
    out.state = ManualOutcome::State::kRefused;
    out.key = "manual.refused.store";
    out.error = committed.error().detail;
    return out;
  }
  counters_.add("manual_stored");
  log_info("manual",
           "entry stored: " + r.uid.value + " by the " + std::string(enterer_name(form.enterer)));
  note(one);
  out.state = ManualOutcome::State::kStored;
  out.uid = r.uid;
  return out;
}

}  // namespace kotona::gateway
