#include "server/http/overview_routes.h"

#include <boost/json.hpp>
#include <chrono>

#include "core/log.h"
#include "server/http/api_json.h"
#include "server/http/respond.h"
#include "server/store/store.h"

namespace kotona::server::http {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr int kMaxDevices = 100;
// International consensus on time in range (Battelino et al., Diabetes Care 2019): the target
// range is 3.9-10.0 mmol/l; its lower limit is the patient's glucose_hypo_l1 setting.
constexpr double kGlucoseRangeHighMmolL = 10.0;

Response failed(const Call& call, const Error& e) {
  call.ctx.counters.add("store_error");
  log_error("http", "patient overview read: " + std::string(to_string(e.code)));
  return json_error(call.req, http::status::internal_server_error, "store error",
                    call.ctx.counters);
}

json::object targets_json(const alerts::RuleConfig& c) {
  return {{"inr_low", c.inr_target_low},
          {"inr_high", c.inr_target_high},
          {"bp_systolic_high", c.bp_crisis_systolic_mmhg},
          {"bp_diastolic_high", c.bp_crisis_diastolic_mmhg},
          {"bp_systolic_low", c.bp_hypotension_systolic_mmhg},
          {"glucose_low", c.glucose_hypo_l1_mmol_l},
          {"glucose_high", kGlucoseRangeHighMmolL},
          {"glucose_hyper", c.glucose_hyper_mmol_l},
          {"spo2_low", c.spo2_low_percent},
          {"lead_impedance_low", c.lead_impedance_low_ohm},
          {"lead_impedance_high", c.lead_impedance_high_ohm},
          {"af_burden_percent", c.af_burden_percent}};
}

// A hub-clock time from the heartbeat (unix ms, 0 = none) as ISO text or null.
json::value hub_clock(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64() || v->as_int64() <= 0) return nullptr;
  return json::value(iso8601(HubTime{std::chrono::milliseconds(v->as_int64())}));
}

// The hub's side of one device: its last heartbeat (online when heard within the
// gateway.silent limit), backlog, and what it said of this device.
void put_hub_state(json::object& out, const store::GatewayStatusRow& status,
                   const std::string& serial, const Call& call) {
  auto age = std::chrono::system_clock::now() - status.last_seen;
  out["hub_online"] = age < call.ctx.gateway_silent_after;
  out["hub_last_heard"] = iso8601(status.last_seen);
  out["hub_outbox_depth"] = static_cast<std::int64_t>(status.outbox_depth);
  boost::system::error_code ec;
  auto parsed = json::parse(status.status_json, ec);
  if (ec || !parsed.is_object()) return;  // an unreadable heartbeat: only what the row says
  const auto& heartbeat = parsed.as_object();
  out["hub_oldest_unacked"] = hub_clock(heartbeat, "oldest_unacked_unix_ms");
  const auto* devices = heartbeat.if_contains("devices");
  if (devices == nullptr || !devices->is_array()) return;
  for (const auto& d : devices->as_array()) {
    if (!d.is_object()) continue;
    const auto* s = d.as_object().if_contains("serial");
    if (s == nullptr || !s->is_string() || s->as_string() != serial) continue;
    const auto* state = d.as_object().if_contains("state");
    if (state != nullptr && state->is_string()) out["state"] = state->as_string();
    out["device_last_seen"] = hub_clock(d.as_object(), "last_seen_unix_ms");
  }
}

// One enrolled device with its last transmission and its hub's state. Errors: the store's.
Result<json::object> device_json(const Call& call, const store::EnrolmentRecord& e) {
  const auto& b = e.binding;
  json::object out{
      {"gateway_id", b.gateway.value},
      {"device_serial", b.device_serial.value},
      {"enrolled_from", iso8601(b.valid_from)},
      {"enrolled_to", b.valid_to ? json::value(iso8601(*b.valid_to)) : json::value(nullptr)},
      {"last_received", nullptr},
      {"hub_online", false},
      {"hub_last_heard", nullptr},
      {"hub_outbox_depth", nullptr},
      {"hub_oldest_unacked", nullptr},
      {"state", nullptr},
      {"device_last_seen", nullptr}};
  auto& technical = call.ctx.store.technical();
  auto received = technical.last_reading_received(b.gateway, b.device_serial);
  if (!received) return fail(received.error());
  if (*received) out["last_received"] = iso8601(**received);
  auto status = technical.gateway_status(b.gateway);
  if (!status) return fail(status.error());
  if (*status) put_hub_state(out, **status, b.device_serial.value, call);
  return out;
}

}  // namespace

Routed show_patient_overview(const Call& call) {
  std::string id(call.args.at(0));
  if (!call.who.may_see(id)) return hidden(call, "patient");
  if (!is_valid_id_text(id)) {
    call.ctx.counters.add("api_bad_input");
    return json_error(call.req, http::status::bad_request, "bad patient id", call.ctx.counters);
  }
  PatientId patient{id};
  store::EnrolmentFilter filter;
  filter.patient = patient;
  auto bindings = call.ctx.store.patients().enrolments(filter, kMaxDevices);
  if (!bindings) return failed(call, bindings.error());
  if (bindings->empty()) {  // neither enrolled nor registered: as any unknown id
    auto registered = call.ctx.store.patients().has_patient(patient);
    if (!registered) return failed(call, registered.error());
    if (!*registered) {
      return json_error(call.req, http::status::not_found, "no such patient", call.ctx.counters);
    }
  }
  json::array devices;
  for (const auto& e : *bindings) {
    auto device = device_json(call, e);
    if (!device) return failed(call, device.error());
    devices.push_back(std::move(*device));
  }
  // The thresholds in force (the config seed with the clinicians' changes, issue 18 part 5).
  auto in_force = call.ctx.store.thresholds().in_force(patient);
  if (!in_force) return failed(call, in_force.error());
  json::object out{
      {"patient_id", id},
      {"targets", targets_json(*in_force)},
      {"hub_silent_after_s", std::chrono::seconds(call.ctx.gateway_silent_after).count()},
      {"devices", std::move(devices)}};
  return json_reply(call.req, http::status::ok, out, call.ctx.counters);
}

}  // namespace kotona::server::http
