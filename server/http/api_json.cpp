#include "server/http/api_json.h"

#include <boost/json.hpp>
#include <ctime>

#include "core/henkilotunnus.h"
#include "server/store/json_text.h"

namespace kotona::server::http {

namespace json = boost::json;

namespace {

json::value parse_or_null(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return ec ? json::value(nullptr) : v;
}

std::string metric_name(const std::string& name) {
  std::string out;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == ':';
    out += ok ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(0, "_");
  return out;
}

}  // namespace

std::string iso8601(HubTime t) {
  auto ms = t.time_since_epoch().count();
  auto secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  auto frac = static_cast<int>(ms - static_cast<std::int64_t>(secs) * 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", frac);
  return buf;
}

json::value time_or_null(const std::optional<HubTime>& t) {
  return t ? json::value(iso8601(*t)) : json::value(nullptr);
}

json::value text_or_null(const std::string& text) {
  return text.empty() ? json::value(nullptr) : json::value(text);
}

json::object alert_json(const store::StoredAlert& a) {
  return json::object{
      {"event_id", a.event_id},
      {"change", a.change},
      {"alert_id", a.alert_id.value},
      {"reading_uid", a.reading_uid.value},
      {"patient_id", a.patient.value},
      {"rule_id", a.rule_id},
      {"priority", std::string(alerts::to_string(a.priority))},
      {"state", std::string(store::to_string(a.state))},
      {"message", a.message},
      {"created_at", iso8601(a.created)},
      {"threshold", parse_or_null(a.threshold_json)},
      {"values", parse_or_null(a.values_json)},
      {"crossings", a.crossings},
      {"last_reading_uid", a.last_reading_uid.value},
      {"last_message", a.last_message},
      {"last_values", parse_or_null(a.last_values_json)},
      {"last_at", iso8601(a.last_at)},
      {"acked_by", text_or_null(a.acked_by)},
      {"acked_at", time_or_null(a.acked_at)},
      {"ack_note", a.acked_at ? json::value(a.ack_note) : json::value(nullptr)},
      {"resolved_by", text_or_null(a.resolved_by)},
      {"resolved_at", time_or_null(a.resolved_at)},
      {"resolve_note", a.resolved_at ? json::value(a.resolve_note) : json::value(nullptr)},
      {"escalation_tier", a.escalation_tier},
      {"escalation_due", time_or_null(a.escalation_due)},
      {"claimed_by", text_or_null(a.claimed_by)},
      {"claimed_at", time_or_null(a.claimed_at)},
      {"notes", a.notes}};
}

json::object note_json(const store::Note& n) {
  return json::object{{"id", n.id}, {"author", n.author}, {"text", n.text}, {"at", iso8601(n.at)}};
}

json::object audit_json(const store::AuditRow& r) {
  return json::object{{"seq", r.seq},           {"at", iso8601(r.at)},
                      {"actor", r.actor},       {"action", r.action},
                      {"alert_id", r.alert_id.value}, {"detail", r.detail},
                      {"prev_hash", r.prev_hash}, {"hash", r.hash}};
}

json::object audit_verdict_json(const store::AuditVerdict& v) {
  return json::object{{"ok", v.ok},
                      {"rows", v.rows},
                      {"first_bad_seq", v.ok ? json::value(nullptr) : json::value(v.first_bad_seq)},
                      {"reason", v.ok ? json::value(nullptr) : json::value(v.reason)}};
}

json::object reading_json(const store::StoredReading& r) {
  json::object o{{"reading_uid", r.uid.value},
                 {"patient_id", r.patient.value},
                 {"gateway_id", r.gateway.value},
                 {"device_serial", r.device_serial.value},
                 {"kind", r.kind},
                 {"values", parse_or_null(r.values_json)},
                 {"device_time", nullptr},
                 {"hub_time", iso8601(r.hub_time)},
                 {"clock_offset_s", nullptr},
                 {"quality", parse_or_null(r.quality_json)}};
  if (r.device_time) {
    o["device_time"] =
        iso8601(std::chrono::time_point_cast<std::chrono::milliseconds>(*r.device_time));
  }
  if (r.clock_offset) o["clock_offset_s"] = r.clock_offset->count();
  // Issue 20 part 5: {"source":"device"} or, typed in on the hub, {"source":"manual",
  // "enterer":"patient"|"relative"|"nurse", "enterer_name": "..." (only when given)}.
  json::object provenance{{"source", entry_source_name(r.provenance.source)}};
  if (r.provenance.source == EntrySource::kManual) {
    provenance["enterer"] = enterer_name(r.provenance.enterer);
    if (!r.provenance.enterer_name.empty()) provenance["enterer_name"] = r.provenance.enterer_name;
  }
  o["provenance"] = std::move(provenance);
  return o;
}

json::object patient_json(const store::PatientRecord& p, bool full_henkilotunnus,
                          std::chrono::year_month_day today) {
  auto text = [](const std::optional<std::string>& v) {
    return v ? json::value(*v) : json::value(nullptr);
  };
  json::object out{{"patient_id", p.id.value},
                   {"henkilotunnus_masked", nullptr},
                   {"age_years", nullptr},
                   {"display_name", text(p.display_name)},
                   {"team", text(p.team)},
                   {"language", text(p.language)},
                   {"created_at", iso8601(p.created)},
                   {"updated_at", iso8601(p.updated)}};
  if (full_henkilotunnus) out["henkilotunnus"] = text(p.henkilotunnus);
  // Stored codes were checked on the way in; one that no longer parses shows nothing.
  if (!p.henkilotunnus) return out;
  if (auto h = parse_henkilotunnus(*p.henkilotunnus)) {
    out["henkilotunnus_masked"] = masked_henkilotunnus(*h);
    out["age_years"] = age_on(*h, today);
  }
  return out;
}

json::object enrolment_json(const store::EnrolmentRecord& e) {
  return json::object{{"id", e.id},
                      {"gateway_id", e.binding.gateway.value},
                      {"device_serial", e.binding.device_serial.value},
                      {"patient_id", e.binding.patient.value},
                      {"valid_from", iso8601(e.binding.valid_from)},
                      {"valid_to", time_or_null(e.binding.valid_to)},
                      {"source", e.source}};
}

std::string error_body(const std::string& message) {
  return store::to_json_text(json::object{{"error", message}});
}

std::string prometheus_text(const std::map<std::string, std::uint64_t>& counters,
                            const std::map<std::string, std::uint64_t>& gauges) {
  std::string out;
  for (const auto& [name, value] : counters) {
    auto metric = metric_name(name);
    out += "# TYPE " + metric + " counter\n" + metric + " " + std::to_string(value) + "\n";
  }
  for (const auto& [name, value] : gauges) {
    auto metric = metric_name(name);
    out += "# TYPE " + metric + " gauge\n" + metric + " " + std::to_string(value) + "\n";
  }
  return out;
}

}  // namespace kotona::server::http
