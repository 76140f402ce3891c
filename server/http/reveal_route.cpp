#include <boost/json.hpp>
#include <chrono>

#include "core/log.h"
#include "server/http/enrolment_routes.h"
#include "server/http/respond.h"

namespace kotona::server::http {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

Response store_failed(const Request& req, const char* what, const Error& e, Counters& counters) {
  counters.add("store_error");
  // The error may name the row; the patient id stays out of the log (authz matrix).
  log_error("http",
            std::string(what) + " (backend detail withheld): " + std::string(to_string(e.code)));
  return json_error(req, http::status::internal_server_error, "store error", counters);
}

}  // namespace

// Issue 18 part 2: the full henkilötunnus is an explicit act, so it is a POST that writes an
// audit row first (actor, patient/<id>, never the code) and answers the code only once the row
// is committed: a code shown is a code audited, and a failed audit write shows nothing.
Routed reveal_henkilotunnus(const Call& call) {
  const auto& req = call.req;
  auto& ctx = call.ctx;
  std::string_view rest = call.args.at(0);
  if (!call.who.may_see(rest)) return hidden(call, "patient");
  if (!is_valid_id_text(std::string(rest))) {
    ctx.counters.add("api_bad_input");
    return json_error(req, http::status::bad_request, "bad patient id", ctx.counters);
  }
  PatientId id{std::string(rest)};
  auto found = ctx.store.patients().patient_record(id);
  if (!found) return store_failed(req, "henkilotunnus read", found.error(), ctx.counters);
  if (!*found) return json_error(req, http::status::not_found, "no such patient", ctx.counters);
  const auto& code = (*found)->henkilotunnus;
  // No code registered: nothing is revealed, so nothing to audit.
  if (!code)
    return json_reply(req, http::status::ok, json::object{{"henkilotunnus", nullptr}},
                      ctx.counters);
  store::AuditRow row{
      0,
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()),
      call.who.user,
      "henkilotunnus.show",
      AlertId{"patient/" + id.value},
      "role=" + std::string(to_string(call.who.role)),
      {},
      {}};
  if (auto r = ctx.store.audit_log().record(row); !r) {
    return store_failed(req, "henkilotunnus audit", r.error(), ctx.counters);
  }
  ctx.counters.add("henkilotunnus_shown");
  return json_reply(req, http::status::ok, json::object{{"henkilotunnus", *code}}, ctx.counters);
}

}  // namespace kotona::server::http
