// AlertBook: what raises an alert, in one place (issue 16). A stored reading's clinical rules
// and weight trend, an implausible reading, a value no store may hold, and technical drafts
// (server checks, broker drops, quarantine, uid conflicts) all become a StoredAlert here and
// go through raise() (alert_book.cpp).
#include "core/kinds.h"
#include "server/alerts/plausibility.h"
#include "server/alerts/technical.h"
#include "server/store/alert_book.h"
#include "server/store/reading_json.h"

namespace kotona::server::store {

namespace {

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }

// An open alert of `rule_id` about `reading_uid` (empty: about no stored reading).
StoredAlert draft_alert(std::string alert_id, const ReadingUid& reading_uid,
                        const PatientId& patient, std::string rule_id) {
  StoredAlert alert;
  alert.alert_id = AlertId{std::move(alert_id)};
  alert.reading_uid = reading_uid;
  alert.patient = patient;
  alert.rule_id = std::move(rule_id);
  alert.state = AlertState::kOpen;
  alert.threshold_json = "{}";
  return alert;
}

// thresholds.refused (medium, the patient's care team): the patient's stored thresholds are
// refused on the config seed (a config line changed since they were set), so the rules use
// the seed's limits, not the clinician's. Subject the key the refusal names, episode its value
// (a range refused as a whole, e.g. hypotension not below crisis: "thresholds", its code).
alerts::TechnicalDraft thresholds_refused(const PatientId& patient,
                                          const alerts::RuleSettingRefusal& why) {
  alerts::TechnicalDraft d;
  d.rule_id = "thresholds.refused";
  d.priority = alerts::Priority::kMedium;
  d.subject = why.key.empty() ? "thresholds" : why.key;
  d.patient = patient;
  d.episode = why.value.empty() ? why.code : why.value;
  d.message = "stored thresholds of patient " + patient.value +
              " are not in force, refused on the server's config (" + why.detail +
              "): the config's limits are used; change them in the patient view or fix the config";
  d.values = {{"limit", why.key}, {"value", why.value}, {"code", why.code}};
  if (why.key.empty()) d.values.push_back({"form", std::string("range")});
  return d;
}

// A reading typed in on the hub (issue 20 part 5) alerts exactly as a device reading does;
// its alert says so: value "entered" (patient / relative / nurse; the page's "self-reported"
// mark) and the English message. Only the role: a person's name is never in an alert's text.
void mark_typed_in(const Reading& reading, std::string& message, alerts::AlertValues& values) {
  if (reading.provenance.source != EntrySource::kManual) return;
  const auto who = enterer_name(reading.provenance.enterer);
  values.push_back({"entered", std::string(who)});
  message += " (self-reported: typed in by the " + std::string(who) + ")";
}

}  // namespace

Result<void> AlertBook::raise_for_reading(const Reading& reading, const PatientId& patient,
                                          HubTime created, std::vector<StoredAlert>& out) {
  // The thresholds in force as of this transaction: a change committed by any instance
  // before it applies (issue 18 part 5).
  auto in_force = thresholds_.in_force(patient);
  if (!in_force) return fail(in_force.error());
  const alerts::RuleConfig& config = *in_force;
  if (auto why = thresholds_.refusal(patient)) {
    // The seed is in force, not what a clinician set: said to a person, once per patient,
    // key and stored value (the alert id), not once per reading.
    if (auto r = raise_technical(thresholds_refused(patient, *why), created, ReadingUid{""}, out);
        !r) {
      return r;
    }
  }
  auto drafts = alerts::evaluate_rules(reading, patient, config);
  auto trend = weight_trend(reading, patient, config);
  if (!trend) return fail(trend.error());
  drafts.insert(drafts.end(), trend->begin(), trend->end());
  for (auto& draft : drafts) {
    mark_typed_in(reading, draft.message, draft.values);
    auto alert =
        draft_alert(reading.uid.value + "#" + draft.rule_id, reading.uid, patient, draft.rule_id);
    alert.priority = draft.priority;
    alert.message = draft.message;
    alert.threshold_json = encode_threshold_json(draft.threshold);
    alert.values_json = encode_alert_values_json(draft.values);
    alert.created = created;
    if (auto r = raise_into(std::move(alert), /*group_subject=*/"", out); !r) return r;
  }
  if (reading.quality.implausible) return raise_implausible(reading, patient, created, out);
  return {};
}

// reading.implausible (medium) to the patient's care team, in the reading's transaction:
// a failing device or tampering; one open alert per device (grouped), naming the value.
Result<void> AlertBook::raise_implausible(const Reading& reading, const PatientId& patient,
                                          HubTime created, std::vector<StoredAlert>& out) {
  const auto what = alerts::find_implausible_value(reading.measurement).value_or("a value");
  const std::string rule(alerts::kReadingImplausibleRule);
  auto alert = draft_alert(reading.uid.value + "#" + rule, reading.uid, patient, rule);
  alert.priority = alerts::Priority::kMedium;
  alert.message = "Implausible reading from device " + reading.device.serial.value + " on hub " +
                  reading.gateway.value + ": " + what +
                  " (physiological limits). Stored flagged, no clinical alert raised: check the "
                  "device for a fault or tampering.";
  alerts::AlertValues values{{"device", reading.device.serial.value},
                             {"hub", reading.gateway.value}};
  if (auto found = alerts::find_implausible(reading.measurement)) {
    values.insert(values.end(), {{"series", found->key},
                                 {"cmp", found->cmp},
                                 {"value", found->value},
                                 {"low", found->low},
                                 {"high", found->high}});
  }
  mark_typed_in(reading, alert.message, values);
  alert.values_json = encode_alert_values_json(values);
  alert.created = created;
  return raise_into(std::move(alert), reading.gateway.value + "/" + reading.device.serial.value,
                    out);
}

// weight.gain needs the patient's earlier weights: read inside the ingest transaction, so the
// trend and the reading commit together. Control runs never count.
Result<std::vector<alerts::AlertDraft>> AlertBook::weight_trend(const Reading& reading,
                                                                const PatientId& patient,
                                                                const alerts::RuleConfig& config) {
  const auto* weight = std::get_if<Weight>(&reading.measurement);
  if (weight == nullptr || reading.quality.control_result || reading.quality.implausible ||
      config.weight_gain_days <= 0) {
    return std::vector<alerts::AlertDraft>{};
  }
  auto at = measured_time(reading);
  auto window = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double, std::ratio<86400>>(config.weight_gain_days));
  auto stmt = db_.prepare(
      "SELECT measured_unix_ms, values_json FROM readings WHERE patient_id = ? AND "
      "kind = ? AND measured_unix_ms >= ? AND measured_unix_ms < ? AND reading_uid != ? "
      "AND quality_json NOT LIKE '%\"implausible\":true%'");
  if (!stmt) return fail(stmt.error());
  // The kind and its value's key from the kind table, not spelled here (issue 21).
  const KindRow& kind = kind_of(reading.measurement);
  stmt->bind(1, patient.value)
      .bind(2, kind.name)
      .bind(3, ms(at - window))
      .bind(4, ms(at))
      .bind(5, reading.uid.value);
  std::vector<alerts::WeightPoint> earlier;
  while (true) {
    auto row = stmt->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    if (auto kg = decode_component_value(stmt->column_text(1), kind.components[0].key)) {
      earlier.push_back({HubTime{std::chrono::milliseconds{stmt->column_int(0)}}, *kg});
    }
  }
  return alerts::evaluate_weight_trend({at, weight->kg}, earlier, config);
}

Result<void> AlertBook::raise_technical(const alerts::TechnicalDraft& draft, HubTime created,
                                        const ReadingUid& reading, std::vector<StoredAlert>& out) {
  auto alert = draft_alert(draft.alert_id(), reading, draft.patient, draft.rule_id);
  alert.priority = draft.priority;
  alert.message = draft.message;
  alert.threshold_json = encode_threshold_json(draft.threshold);
  alert.values_json = encode_alert_values_json(draft.values);
  alert.created = created;
  // One alert per episode (alert id); a new episode of the same subject (hub, device,
  // broker) is grouped into its open alert. Two silent devices stay two alerts.
  return raise_into(std::move(alert), draft.subject, out);
}

Result<std::vector<StoredAlert>> AlertBook::insert_technical_alerts(
    const std::vector<alerts::TechnicalDraft>& drafts, HubTime now) {
  std::vector<StoredAlert> out;
  if (drafts.empty()) return out;
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  for (const auto& d : drafts) {
    // Technical: about the chain, not one reading.
    if (auto r = raise_technical(d, now, ReadingUid{""}, out); !r) return fail(r.error());
  }
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return out;
}

// A reading whose value no store may hold (NaN, inf, 1e300: the codec's kOutOfRange) stays
// out of the readings table and the FHIR export, but a clinical value must not end in
// quarantine alone (invariant 13): reading.unrepresentable (medium) to the care team of every
// patient on the hub (or a system alert when none), naming the value. Inside the batch's
// transaction, so the quarantine row and the alert commit together.
Result<void> AlertBook::raise_unrepresentable(const GatewayId& gateway,
                                              const RejectedReading& rejected,
                                              std::vector<PatientId> patients, HubTime received,
                                              std::vector<StoredAlert>& out) {
  if (patients.empty()) patients.push_back(PatientId{""});
  const std::string rule(alerts::kReadingUnrepresentableRule);
  for (const auto& patient : patients) {
    // reading_uid empty: never stored, there is no reading row to point at.
    auto alert = draft_alert(rejected.reading_uid + "#" + rule + "/" + patient.value,
                             ReadingUid{""}, patient, rule);
    alert.priority = alerts::Priority::kMedium;
    alert.message = "Reading " + rejected.reading_uid + " from hub " + gateway.value +
                    " not stored: " + rejected.error.detail +
                    ". Kept in quarantine; check the device (fault or tampering).";
    alert.values_json = encode_alert_values_json({{"reading_uid", rejected.reading_uid},
                                                  {"hub", gateway.value},
                                                  {"error", rejected.error.detail}});
    alert.created = received;
    if (auto r = raise_into(std::move(alert), gateway.value, out); !r) return r;
  }
  return {};
}

}  // namespace kotona::server::store
