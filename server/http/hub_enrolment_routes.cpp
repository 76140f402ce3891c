#include "server/http/hub_enrolment_routes.h"

#include <boost/json.hpp>
#include <charconv>
#include <chrono>

#include "core/log.h"
#include "server/http/api_json.h"
#include "server/http/hub_ca.h"
#include "server/http/respond.h"
#include "server/store/manual_binding.h"

namespace kotona::server::http {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr std::string_view kLog = "enrol";

// set_hub_enrolment(): io thread only, like every handler.
const HubCa* g_hub_ca = nullptr;
store::EnrolmentCodes* g_codes = nullptr;
ThrottleConfig g_throttle_config = enrol_throttle_defaults();
EnrolThrottle g_throttle{g_throttle_config};
constexpr std::size_t kMaxCsrBytes = 16 * 1024;

HubTime now_ms() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

Response bad_input(const Request& req, const std::string& why, Counters& counters) {
  counters.add("api_bad_input");
  return json_error(req, http::status::bad_request, why, counters);
}

// The body as a JSON object with only `allowed` keys; nullopt and `why` otherwise.
std::optional<json::object> object_of(const Request& req,
                                      std::initializer_list<std::string_view> allowed,
                                      std::string& why) {
  boost::system::error_code ec;
  auto value = json::parse(req.body(), ec);
  if (ec || !value.is_object()) {
    why = "body must be a JSON object";
    return std::nullopt;
  }
  for (const auto& [key, v] : value.as_object()) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end()) {
      why = "unknown field " + std::string(key);
      return std::nullopt;
    }
  }
  return value.as_object();
}

std::optional<std::string> text_of(const json::object& body, std::string_view key) {
  auto it = body.find(key);
  if (it == body.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().as_string());
}

// 429 before anything of the attempt is read: the code is not even looked up, so the answer
// is the same whether it exists. Counted every time; logged and audited once per wait (a flood
// of 429s writes nothing).
Response throttled(const Request& req, RouteContext& ctx, const EnrolThrottle::Wait& wait) {
  ctx.counters.add("hub_enrol_throttled");
  const auto seconds = std::to_string((wait.left.count() + 999) / 1000);
  if (wait.first) {
    const std::string detail = "from=" + ctx.client + " refusals=" + std::to_string(wait.failures) +
                               " retry_after_s=" + seconds;
    log_warn(kLog, "throttled: " + detail);
    store::AuditRow row{0,
                        now_ms(),
                        "anonymous",
                        "enrolment_code.throttled",
                        AlertId{"enrolment_code/throttled"},
                        detail,
                        {},
                        {}};
    if (auto r = ctx.store.audit_log().record(row); !r) {
      ctx.counters.add("store_error");
      log_error(kLog, "throttled enrolment not audited: " + describe(r.error()));
    }
  }
  auto res =
      json_error(req, http::status::too_many_requests,
                 "too many refused attempts from this address; try again later", ctx.counters);
  res.set(http::field::retry_after, seconds);
  return res;
}

Response no_ca(const Request& req, Counters& counters) {
  return json_error(req, http::status::service_unavailable, "hub enrolment is not configured",
                    counters);
}

}  // namespace

void set_hub_enrolment(const HubCa* ca, store::EnrolmentCodes* codes) {
  g_hub_ca = ca;
  g_codes = codes;
  g_throttle = EnrolThrottle(g_throttle_config);
}

void set_hub_enrol_throttle(const ThrottleConfig& config) {
  g_throttle_config = config;
  g_throttle = EnrolThrottle(config);
}

Routed issue_enrolment_code(const Call& call) {
  const auto& req = call.req;
  auto& ctx = call.ctx;
  if (g_hub_ca == nullptr || g_codes == nullptr) return no_ca(req, ctx.counters);
  std::string why;
  auto body = object_of(req, {"gateway_id", "patient_id", "ttl_s"}, why);
  if (!body) return bad_input(req, why, ctx.counters);
  auto gateway = text_of(*body, "gateway_id");
  auto patient = text_of(*body, "patient_id");
  if (!gateway || !is_valid_id_text(*gateway) || !patient || !is_valid_id_text(*patient)) {
    return bad_input(req, "gateway_id and patient_id must be 1-64 characters of [A-Za-z0-9._-]",
                     ctx.counters);
  }
  // The broker's ACL and deploy/provision.sh keep kotona-* names for servers (kotona-ingest-N
  // reads every hub's topics): a hub certificate must never carry one.
  if (gateway->starts_with("kotona-")) {
    return bad_input(req, "gateway_id: 'kotona-' names are reserved for servers", ctx.counters);
  }
  std::int64_t ttl = 900;
  if (auto it = body->find("ttl_s"); it != body->end()) {
    if (!it->value().is_int64() || it->value().as_int64() < 60 || it->value().as_int64() > 86400) {
      return bad_input(req, "ttl_s must be 60-86400", ctx.counters);
    }
    ttl = it->value().as_int64();
  }
  auto known = ctx.store.patients().has_patient(PatientId{*patient});
  if (!known)
    return json_error(req, http::status::internal_server_error, "store error", ctx.counters);
  if (!*known) return json_error(req, http::status::not_found, "no such patient", ctx.counters);
  auto issued = g_codes->issue(GatewayId{*gateway}, PatientId{*patient}, std::chrono::seconds(ttl),
                               call.who.user, now_ms());
  if (!issued) {
    log_error(kLog, "issue: " + describe(issued.error()));
    return json_error(req, http::status::internal_server_error, "store error", ctx.counters);
  }
  ctx.counters.add("enrolment_codes_issued");
  log_info(kLog, "code issued for gateway " + *gateway + " by " + call.who.user);
  json::object out{{"code", issued->code},
                   {"gateway_id", *gateway},
                   {"patient_id", *patient},
                   {"expires", iso8601(issued->expires)}};
  return json_reply(req, http::status::created, out, ctx.counters);
}

Routed enrol_hub(const Call& call) {
  const auto& req = call.req;
  auto& ctx = call.ctx;
  if (g_hub_ca == nullptr || g_codes == nullptr) return no_ca(req, ctx.counters);
  const auto steady = std::chrono::steady_clock::now();
  if (auto wait = g_throttle.check(ctx.client, steady); wait.left.count() > 0) {
    return throttled(req, ctx, wait);
  }
  std::string why;
  auto body = object_of(req, {"code", "csr"}, why);
  auto code = body ? text_of(*body, "code") : std::nullopt;
  auto csr = body ? text_of(*body, "csr") : std::nullopt;
  if (!code || !csr || code->size() > 64 || csr->size() > kMaxCsrBytes) {
    return bad_input(req, body ? "code and csr (PEM) are required" : why, ctx.counters);
  }
  const HubCa& ca = *g_hub_ca;
  std::string refused_why;
  store::CsrSigner sign = [&](const GatewayId& gateway) -> Result<std::string> {
    auto cert = ca.sign(*csr, gateway);
    if (!cert) refused_why = cert.error().detail;
    return cert;
  };
  auto out = g_codes->redeem(*code, ctx.client, sign, now_ms());
  if (!out) {
    log_error(kLog, "redeem: " + describe(out.error()));
    return json_error(req, http::status::internal_server_error, "store error", ctx.counters);
  }
  if (auto* refusal = std::get_if<store::CodeRefusal>(&*out)) {
    ctx.counters.add("hub_enrol_refused");
    g_throttle.refused(ctx.client, steady);
    log_warn(kLog, "refused (" + std::string(to_string(*refusal)) + ") from " + ctx.client +
                       (refused_why.empty() ? "" : ": " + refused_why));
    return json_error(req, http::status::forbidden, "refused", ctx.counters);
  }
  const auto& done = std::get<store::Redeemed>(*out);
  ctx.counters.add("hub_enrolled");
  log_info(kLog, "gateway " + done.gateway.value + " enrolled from " + ctx.client);
  json::array devices;
  store::EnrolmentFilter filter;
  filter.gateway = done.gateway;
  if (auto bindings = ctx.store.patients().enrolments(filter, 1000)) {
    for (const auto& b : *bindings) {
      const auto& serial = b.binding.device_serial.value;
      // `manual` (typed-in values, store/manual_binding.h) is no meter the hub reads.
      if (!b.binding.valid_to && serial != store::kManualSerial) devices.emplace_back(serial);
    }
  }
  json::object reply{{"gateway_id", done.gateway.value},    {"patient_id", done.patient.value},
                     {"certificate", done.certificate_pem}, {"broker_uri", ca.broker_uri()},
                     {"broker_ca", ca.broker_ca_pem()},     {"devices", std::move(devices)}};
  if (auto p = ctx.store.patients().patient_record(done.patient); p && *p) {
    if ((*p)->display_name) reply["patient_name"] = *(*p)->display_name;
    if ((*p)->language) reply["language"] = *(*p)->language;
  }
  return json_reply(req, http::status::ok, reply, ctx.counters);
}

Routed list_hub_certificates(const Call& call) {
  const auto& req = call.req;
  auto& ctx = call.ctx;
  auto q = query_params(std::string_view(req.target().data(), req.target().size()),
                        {"gateway", "limit"});
  if (!q) return bad_input(req, q.error().detail, ctx.counters);
  std::optional<GatewayId> gateway;
  if (auto it = q->find("gateway"); it != q->end()) {
    if (!is_valid_id_text(it->second)) {
      return bad_input(req, "gateway must be 1-64 characters of [A-Za-z0-9._-]", ctx.counters);
    }
    gateway = GatewayId{it->second};
  }
  int limit = 1000;
  if (auto it = q->find("limit"); it != q->end()) {
    const auto& text = it->second;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (ec != std::errc{} || end != text.data() + text.size() || limit < 1 || limit > 1000) {
      return bad_input(req, "limit must be 1-1000", ctx.counters);
    }
  }
  // No table wired (a server that never had a hub CA): none can have been issued. Without a
  // CA now, the table still is (server.cpp): those issued before are valid at the broker.
  if (g_codes == nullptr) return json_reply(req, http::status::ok, json::array{}, ctx.counters);
  auto rows = g_codes->certificates(gateway, limit);
  if (!rows) {
    log_error(kLog, "hub certificates: " + describe(rows.error()));
    return json_error(req, http::status::internal_server_error, "store error", ctx.counters);
  }
  json::array out;
  for (const auto& c : *rows) {
    json::object o{{"serial", c.serial},
                   {"gateway_id", c.gateway.value},
                   {"patient_id", c.patient.value},
                   {"issued", iso8601(c.issued)},
                   {"not_after", iso8601(c.not_after)},
                   {"issued_to", c.issued_to},
                   {"revoked", c.revoked ? json::value(iso8601(*c.revoked)) : json::value()}};
    out.push_back(std::move(o));
  }
  return json_reply(req, http::status::ok, out, ctx.counters);
}

}  // namespace kotona::server::http
