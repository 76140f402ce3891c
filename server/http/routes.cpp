#include "server/http/routes.h"

#include <algorithm>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <limits>

#include "server/http/alert_routes.h"
#include "server/http/api_json.h"
#include "server/http/fhir_routes.h"
#include "server/http/page.h"
#include "server/fhir/time_range.h"
#include "server/store/json_text.h"

namespace kotona::server::http {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr int kDefaultReadingLimit = 1000;
constexpr int kMaxReadingLimit = 10000;

std::optional<std::int64_t> parse_int(std::string_view text, std::int64_t min, std::int64_t max) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  if (v < min || v > max) return std::nullopt;
  return v;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] != '%') {
      out += s[i];
    } else {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_digit(s[i + 1]);
      int lo = hex_digit(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return out;
}

Response respond(const Request& req, http::status status, std::string body,
                 std::string_view content_type, Counters& counters) {
  counters.add("http_responses_" + std::to_string(static_cast<int>(status)));
  Response res{status, req.version()};
  res.set(http::field::server, "kotona-server");
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response error(const Request& req, http::status status, const std::string& message,
               Counters& counters) {
  return respond(req, status, error_body(message), "application/json", counters);
}

Response bad_request(const Request& req, const std::string& why, Counters& counters) {
  return error(req, http::status::bad_request, why.empty() ? "bad limit" : why, counters);
}

// Query parameters limited to `allowed`; nullopt (with `why`) on anything else.
std::optional<std::map<std::string, std::string>> checked_query(
    std::string_view target, std::initializer_list<std::string_view> allowed, std::string& why) {
  auto q = target.find('?');
  auto parsed = parse_query(q == std::string_view::npos ? "" : target.substr(q + 1));
  if (!parsed) {
    why = parsed.error().detail;
    return std::nullopt;
  }
  for (const auto& [key, value] : *parsed) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      why = "unknown query parameter '" + key + "'";
      return std::nullopt;
    }
  }
  return *parsed;
}

template <typename Rows, typename ToJson>
Response json_list(const Request& req, const Rows& rows, ToJson to_json, Counters& counters) {
  if (!rows) return error(req, http::status::internal_server_error, "store error", counters);
  json::array out;
  for (const auto& row : *rows) out.push_back(to_json(row));
  return respond(req, http::status::ok, store::to_json_text(out), "application/json", counters);
}

Response api(const Request& req, store::Store& store, Counters& counters) {
  std::string why;
  std::string_view target(req.target().data(), req.target().size());
  auto q = checked_query(target, {"patient", "limit", "start", "end"}, why);
  auto limit = q && q->count("limit") ? parse_int(q->at("limit"), 1, kMaxReadingLimit)
                                      : std::optional<std::int64_t>{kDefaultReadingLimit};
  if (!q || !limit) return bad_request(req, why, counters);
  std::optional<PatientId> patient;
  if (q->count("patient")) {
    if (!is_valid_id_text(q->at("patient"))) {
      return error(req, http::status::bad_request, "bad patient id", counters);
    }
    patient = PatientId{q->at("patient")};
  }
  if (q->count("start") || q->count("end")) {  // one patient's readings by measured time
    auto param = [&](const char* key) {
      return q->count(key) ? std::optional<std::string>{q->at(key)} : std::nullopt;
    };
    auto range = fhir::parse_time_range(param("start"), param("end"));
    if (!patient || !range) {
      return error(req, http::status::bad_request,
                   patient ? range.error().detail : "start/end need a patient", counters);
    }
    return json_list(req,
                     store.readings_measured_between(*patient, range->from, range->to,
                                                     static_cast<int>(*limit)),
                     reading_json, counters);
  }
  return json_list(req, store.readings(patient, static_cast<int>(*limit)), reading_json, counters);
}

}  // namespace

Result<std::map<std::string, std::string>> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!key || !value) return fail(Errc::kMalformed, "bad percent escape in query");
    if (!out.emplace(*key, *value).second) {
      return fail(Errc::kMalformed, "query parameter '" + *key + "' repeated");
    }
  }
  return out;
}

std::optional<StreamRequest> as_stream_request(const Request& req) {
  std::string_view target(req.target().data(), req.target().size());
  if (target.substr(0, target.find('?')) != kStreamPath || req.method() != http::verb::get) {
    return std::nullopt;
  }
  std::string why;
  auto q = checked_query(target, {"last_event_id"}, why);
  if (!q) return std::nullopt;
  StreamRequest out;
  // The header wins: a browser's EventSource reconnects to the same URL (with its first
  // ?last_event_id) but sends the newest id it saw in Last-Event-ID.
  auto header = req.find("Last-Event-ID");
  std::optional<std::string> text;
  if (q->count("last_event_id")) text = q->at("last_event_id");
  if (header != req.end()) text = std::string(header->value());
  if (text) {
    out.last_event_id = parse_int(*text, 0, std::numeric_limits<std::int64_t>::max());
    if (!out.last_event_id) return std::nullopt;
  }
  return out;
}

Response handle_request(const Request& req, store::Store& store, Counters& counters,
                        SseHub& hub) {
  counters.add("http_requests");
  std::string_view target(req.target().data(), req.target().size());
  std::string_view path = target.substr(0, target.find('?'));
  if (path.starts_with(kFhirPrefix)) return handle_fhir_request(req, path, store, counters);
  if (is_alert_path(path)) return handle_alert_request(req, path, store, counters, hub);
  bool known = path == "/" || path == "/healthz" || path == "/metrics" ||
               path == "/api/v1/readings" || path == kStreamPath;
  if (!known) return error(req, http::status::not_found, "no such resource", counters);
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    auto res = error(req, http::status::method_not_allowed, "only GET", counters);
    res.set(http::field::allow, "GET, HEAD");
    return res;
  }
  if (path == kStreamPath) {
    return error(req, http::status::bad_request, "bad query or Last-Event-ID", counters);
  }
  if (path == "/")
    return respond(req, http::status::ok, std::string(feed_page_html()), "text/html; charset=utf-8",
                   counters);
  if (path == "/healthz") return respond(req, http::status::ok, "ok\n", "text/plain", counters);
  if (path == "/metrics") {
    auto snapshot = counters.snapshot();
    snapshot["sse_clients"] = hub.size();
    return respond(req, http::status::ok, prometheus_text(snapshot), "text/plain; version=0.0.4",
                   counters);
  }
  return api(req, store, counters);
}

}  // namespace kotona::server::http
