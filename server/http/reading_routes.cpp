// GET /api/v1/readings (session_routes.h): the rows the caller may see are chosen from the
// store's rows (structs) before anything is serialised.
#include <boost/json.hpp>
#include <charconv>

#include "server/fhir/time_range.h"
#include "server/http/api_json.h"
#include "server/http/respond.h"
#include "server/http/session_routes.h"

namespace kotona::server::http {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr int kDefaultReadingLimit = 1000;
constexpr int kMaxReadingLimit = 10000;
using Rows = Result<std::vector<store::StoredReading>>;

std::optional<int> parse_limit(const std::map<std::string, std::string>& q) {
  if (!q.count("limit")) return kDefaultReadingLimit;
  const auto& text = q.at("limit");
  int v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  if (v < 1 || v > kMaxReadingLimit) return std::nullopt;
  return v;
}

// The visible rows, at most `limit`, serialised once.
Response reply(const Call& call, Rows rows, int limit) {
  auto& counters = call.ctx.counters;
  if (!rows) {
    return json_error(call.req, http::status::internal_server_error, "store error", counters);
  }
  json::array out;
  for (const auto& row : *rows) {
    if (out.size() == static_cast<std::size_t>(limit)) break;
    if (call.who.may_see(row.patient.value)) out.push_back(reading_json(row));
  }
  return json_reply(call.req, http::status::ok, out, counters);
}

// One patient's readings by measured time (?patient=&start=&end=).
Response measured_between(const Call& call, const std::map<std::string, std::string>& q,
                          const std::optional<PatientId>& patient, int limit) {
  auto param = [&](const char* key) {
    return q.count(key) ? std::optional<std::string>{q.at(key)} : std::nullopt;
  };
  auto range = fhir::parse_time_range(param("start"), param("end"));
  if (!patient || !range) {
    return json_error(call.req, http::status::bad_request,
                      patient ? range.error().detail : "start/end need a patient",
                      call.ctx.counters);
  }
  return reply(
      call,
      call.ctx.store.ledger().readings_measured_between(*patient, range->from, range->to, limit),
      limit);
}

// A care team: each of its patients' readings in turn (arrival order within a patient).
Rows team_readings(const Call& call, int limit) {
  Rows rows{std::vector<store::StoredReading>{}};
  for (const auto& p : call.who.patients) {
    auto some = call.ctx.store.ledger().readings(PatientId{p}, limit);
    if (!some) return fail(some.error());
    rows->insert(rows->end(), some->begin(), some->end());
  }
  return rows;
}

}  // namespace

Routed list_readings(const Call& call) {
  auto& counters = call.ctx.counters;
  std::string_view target(call.req.target().data(), call.req.target().size());
  auto q = query_params(target, {"patient", "limit", "start", "end"});
  auto limit = q ? parse_limit(*q) : std::nullopt;
  if (!q || !limit) {
    return json_error(call.req, http::status::bad_request, q ? "bad limit" : q.error().detail,
                      counters);
  }
  std::optional<PatientId> patient;
  if (q->count("patient")) {
    if (!is_valid_id_text(q->at("patient"))) {
      return json_error(call.req, http::status::bad_request, "bad patient id", counters);
    }
    patient = PatientId{q->at("patient")};
    if (!call.who.may_see(patient->value)) return hidden_list(call);
  }
  if (q->count("start") || q->count("end")) return measured_between(call, *q, patient, *limit);
  if (call.who.role == Role::kAdmin || patient) {
    return reply(call, call.ctx.store.ledger().readings(patient, *limit), *limit);
  }
  return reply(call, team_readings(call, *limit), *limit);
}

}  // namespace kotona::server::http
