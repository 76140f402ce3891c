#include "server/alerts/quarantine_alerts.h"

namespace kotona::server::alerts {

namespace {

// "bp {...}; bp {...} and 3 more": at most three values in a message (without "and N more"
// for the page's templates, which say the count in the reader's language).
std::string values_text(const QuarantineEvent& e, bool say_more = true) {
  constexpr std::size_t kShown = 3;
  std::string out;
  for (std::size_t i = 0; i < e.values.size() && i < kShown; ++i) {
    out += (i == 0 ? "" : "; ") + e.values[i];
  }
  if (say_more && e.values.size() > kShown) {
    out += " and " + std::to_string(e.values.size() - kShown) + " more";
  }
  return out;
}

std::string hub_name(const QuarantineEvent& e) {
  return e.gateway.value.empty() ? std::string("an unknown hub") : "hub " + e.gateway.value;
}

std::string device_name(const QuarantineEvent& e) {
  return e.device.empty() ? std::string("an unknown device") : "device " + e.device;
}

// The hub and device (empty: unknown, the page says so in its language) with `more`.
AlertValues names(const QuarantineEvent& e, AlertValues more) {
  more.push_back({"hub", e.gateway.value});
  more.push_back({"device", e.device});
  return more;
}

// Values typed in on the hub's own page come from its pseudo-device "manual" (issue 20 part
// 5b; server/store/manual_binding.h): they name no patient, so the text asks whose they are.
TechnicalDraft typed_not_enrolled(const QuarantineEvent& e) {
  auto values = values_text(e);
  return {std::string(kQuarantineNotEnrolledRule),
          Priority::kHigh,
          e.gateway.value + "/" + e.device,
          {},
          e.episode,
          "Typed in on " + hub_name(e) + "'s own page, but whose value it is cannot be told " +
              "(the hub serves several patients, or none at the time measured), so it reaches " +
              "no clinician" + (values.empty() ? std::string() : ": " + values) +
              ". Ask at the home whose value it is; enrol the hub's device manual to that " +
              "patient from the time measured, release the " + std::to_string(e.count) +
              " quarantined reading(s), then end that enrolment",
          {{"readings", static_cast<double>(e.count)}},
          names(e, {{"form", std::string("typed")},
                    {"count", static_cast<double>(e.count)},
                    {"values", values_text(e, false)}})};
}

TechnicalDraft not_enrolled(const QuarantineEvent& e) {
  if (e.device == "manual") return typed_not_enrolled(e);
  auto values = values_text(e);
  return {std::string(kQuarantineNotEnrolledRule),
          Priority::kHigh,
          e.gateway.value + "/" + e.device,
          {},
          e.episode,
          "A patient's new meter is sending: " + device_name(e) + " on " + hub_name(e) +
              " is not enrolled, so its readings reach no clinician. Enrol it, then release " +
              "its " + std::to_string(e.count) + " quarantined reading(s)" +
              (values.empty() ? std::string() : ": " + values),
          {{"readings", static_cast<double>(e.count)}},
          names(e, {{"count", static_cast<double>(e.count)}, {"values", values_text(e, false)}})};
}

TechnicalDraft system_draft(const QuarantineEvent& e) {
  if (e.reason == "identity_mismatch") {
    return {std::string(kQuarantineIdentityRule),
            Priority::kHigh,
            e.gateway.value,
            {},
            e.episode,
            "Identity mismatch: a batch on " + hub_name(e) + "'s topic claims another hub (" +
                device_name(e) + ", " + std::to_string(e.count) +
                " reading(s) quarantined): a misconfigured or impersonating hub",
            {{"readings", static_cast<double>(e.count)}},
            names(e, {{"count", static_cast<double>(e.count)}})};
  }
  if (e.reason == "evicted") {
    return {std::string(kQuarantineEvictedRule),
            Priority::kHigh,
            e.gateway.value.empty() ? std::string("quarantine") : e.gateway.value,
            {},
            e.episode,
            std::to_string(e.count) + " quarantined item(s) of " + hub_name(e) +
                " deleted by the quarantine cap or age limit without being released",
            {{"evicted", static_cast<double>(e.count)}},
            names(e, {{"count", static_cast<double>(e.count)}})};
  }
  return {std::string(kQuarantineUndecodableRule),
          Priority::kMedium,
          e.gateway.value.empty() ? std::string("unknown-hub") : e.gateway.value,
          {},
          e.episode,
          "Undecodable data from " + hub_name(e) + " (" + e.reason + ", " + device_name(e) + ", " +
              std::to_string(e.count) + " item(s) quarantined): check the hub's software version",
          {{"items", static_cast<double>(e.count)}},
          names(e, {{"count", static_cast<double>(e.count)}, {"reason", e.reason}})};
}

}  // namespace

std::vector<TechnicalDraft> evaluate_quarantine(const QuarantineEvent& event,
                                                const std::vector<PatientId>& hub_patients) {
  if (event.reason != "not_enrolled") return {system_draft(event)};
  auto draft = not_enrolled(event);
  if (hub_patients.empty()) return {draft};
  std::vector<TechnicalDraft> out;
  for (const auto& p : hub_patients) {
    auto d = draft;
    d.patient = p;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace kotona::server::alerts
