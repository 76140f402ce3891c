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

// A period's place to continue (the answer's `next`, the request's `after`): "T.k" = from
// measured time T (ms) on, after the first k readings measured exactly at T in the store's
// order (measured time, then storage order). Readings stored later sort after those k, so none
// is lost or sent twice; k makes readings sharing one time pageable even when more of them
// than a page holds share it.
struct Cursor {
  std::int64_t at_ms = 0;
  int skip = 0;
};
constexpr int kMaxCursorSkip = 100'000;

std::optional<Cursor> parse_cursor(const std::string& text) {
  Cursor c;
  auto dot = text.find('.');
  if (dot == std::string::npos) return std::nullopt;
  const char* end = text.data() + text.size();
  auto [p1, e1] = std::from_chars(text.data(), text.data() + dot, c.at_ms);
  auto [p2, e2] = std::from_chars(text.data() + dot + 1, end, c.skip);
  if (dot == 0 || e1 != std::errc{} || p1 != text.data() + dot || e2 != std::errc{} || p2 != end ||
      c.skip < 0 || c.skip > kMaxCursorSkip) {
    return std::nullopt;
  }
  return c;
}

std::int64_t measured_ms(const store::StoredReading& row) {
  return store::measured_time(row).time_since_epoch().count();
}

// One patient's readings by measured time (?patient=&start=&end=[&after=]): the first `limit`
// of the period (from `after` on), and `next` when the period holds more: never silently short.
Response measured_between(const Call& call, const std::map<std::string, std::string>& q,
                          const std::optional<PatientId>& patient, int limit) {
  auto& counters = call.ctx.counters;
  auto param = [&](const char* key) {
    return q.count(key) ? std::optional<std::string>{q.at(key)} : std::nullopt;
  };
  auto range = fhir::parse_time_range(param("start"), param("end"));
  if (!patient || !range) {
    return json_error(call.req, http::status::bad_request,
                      patient ? range.error().detail : "start/end need a patient", counters);
  }
  Cursor from{range->from.time_since_epoch().count(), 0};
  if (q.count("after")) {
    auto c = parse_cursor(q.at("after"));
    const bool inside = c && c->at_ms >= from.at_ms &&
                        (!range->to || c->at_ms < range->to->time_since_epoch().count());
    if (!inside) {
      return json_error(call.req, http::status::bad_request,
                        "bad after: the `next` of an answer for the same start/end", counters);
    }
    from = *c;
  }
  // One more than the page: whether the period goes on is known, not guessed from a full page.
  auto rows = call.ctx.store.ledger().readings_measured_between(
      *patient, HubTime{std::chrono::milliseconds{from.at_ms}}, range->to, from.skip + limit + 1);
  if (!rows) {
    return json_error(call.req, http::status::internal_server_error, "store error", counters);
  }
  std::size_t first = 0;
  while (first < rows->size() && static_cast<int>(first) < from.skip &&
         measured_ms((*rows)[first]) == from.at_ms) {
    ++first;
  }
  json::array out;
  std::size_t i = first;
  for (; i < rows->size() && out.size() < static_cast<std::size_t>(limit); ++i) {
    out.push_back(reading_json((*rows)[i]));
  }
  json::object body;
  body["readings"] = std::move(out);
  body["next"] = nullptr;
  if (i < rows->size()) {  // more in the period: where to continue
    const std::int64_t last = measured_ms((*rows)[i - 1]);
    int at_last = 0;  // readings at `last` before the first one not sent, the skipped included
    for (std::size_t j = i; j-- > 0 && measured_ms((*rows)[j]) == last;) ++at_last;
    body["next"] = std::to_string(last) + "." + std::to_string(at_last);
  }
  return json_reply(call.req, http::status::ok, body, counters);
}

// A care team: each of its patients' readings in turn (measured time within a patient).
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
  auto q = query_params(target, {"patient", "limit", "start", "end", "after"});
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
  if (q->count("start") || q->count("end") || q->count("after")) {
    return measured_between(call, *q, patient, *limit);
  }
  if (call.who.role == Role::kAdmin || patient) {
    return reply(call, call.ctx.store.ledger().readings(patient, *limit), *limit);
  }
  return reply(call, team_readings(call, *limit), *limit);
}

}  // namespace kotona::server::http
