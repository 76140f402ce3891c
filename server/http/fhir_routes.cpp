#include "server/http/fhir_routes.h"

#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <chrono>

#include "core/log.h"
#include "server/fhir/bundle.h"
#include "server/fhir/time_range.h"
#include "server/http/respond.h"
#include "server/store/json_text.h"

namespace kotona::server::http {

namespace http = boost::beast::http;

namespace {

constexpr std::string_view kEverything = "/$everything";
constexpr std::string_view kEverythingEscaped = "/%24everything";

Response fhir_response(const Request& req, http::status status, const boost::json::object& body,
                       Counters& counters) {
  counters.add("http_responses_" + std::to_string(static_cast<int>(status)));
  Response res{status, req.version()};
  res.set(http::field::server, "kotona-server");
  res.set(http::field::content_type, std::string(fhir::kFhirContentType) + "; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = store::to_json_text(body);
  res.prepare_payload();
  return res;
}

// 200 with the Bundle written piece by piece (the same headers as fhir_response()).
StreamedResponse streamed_bundle(const Request& req, fhir::BundleText text, Counters& counters) {
  counters.add("http_responses_200");
  StreamedResponse res;
  res.head.result(http::status::ok);
  res.head.version(req.version());
  res.head.set(http::field::server, "kotona-server");
  res.head.set(http::field::content_type, std::string(fhir::kFhirContentType) + "; charset=utf-8");
  res.head.set(http::field::cache_control, "no-store");
  res.head.keep_alive(req.keep_alive());
  res.head.content_length(text.size());
  res.next = [text = std::move(text)](std::string& piece) mutable {
    return text.next(piece, kFhirPieceBytes);
  };
  return res;
}

Response outcome(const Request& req, http::status status, std::string_view code,
                 std::string_view why, Counters& counters) {
  counters.add("fhir_export_errors");
  return fhir_response(req, status, fhir::make_operation_outcome(code, why), counters);
}

}  // namespace

Response fhir_no_such_patient(const Request& req, Counters& counters) {
  return outcome(req, http::status::not_found, "not-found", "no such patient", counters);
}

namespace {

// "Patient/{id}/$everything" -> id; nullopt for any other path under the prefix.
std::optional<std::string_view> everything_patient(std::string_view path) {
  std::string_view rest = path.substr(kFhirPrefix.size());
  constexpr std::string_view kPatient = "Patient/";
  if (rest.substr(0, kPatient.size()) != kPatient) return std::nullopt;
  rest.remove_prefix(kPatient.size());
  for (auto suffix : {kEverything, kEverythingEscaped}) {
    if (rest.size() > suffix.size() && rest.substr(rest.size() - suffix.size()) == suffix) {
      return rest.substr(0, rest.size() - suffix.size());
    }
  }
  return std::nullopt;
}

std::optional<std::string> param(const std::map<std::string, std::string>& q, const char* key) {
  auto it = q.find(key);
  if (it == q.end()) return std::nullopt;
  return it->second;
}

}  // namespace

std::optional<std::string> fhir_patient_of(std::string_view path) {
  if (!path.starts_with(kFhirPrefix)) return std::nullopt;
  auto id = everything_patient(path);
  if (!id) return std::nullopt;
  return std::string(*id);
}

Routed fhir_everything(const Call& call) {
  // Another team's patient answers as an unknown one (issue 17).
  auto visible = fhir_patient_of(call.path);
  if (visible && !call.who.may_see(*visible)) {
    log_hidden(call);
    return fhir_no_such_patient(call.req, call.ctx.counters);
  }
  return handle_fhir_request(call.req, call.path, call.ctx.store, call.ctx.counters);
}

Routed handle_fhir_request(const Request& req, std::string_view path, store::Store& store,
                           Counters& counters) {
  auto id = everything_patient(path);
  if (!id) return outcome(req, http::status::not_found, "not-found", "no such operation", counters);
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    auto res =
        outcome(req, http::status::method_not_allowed, "not-supported", "only GET", counters);
    res.set(http::field::allow, "GET, HEAD");
    return res;
  }
  if (!is_valid_id_text(std::string(*id))) {
    return outcome(req, http::status::bad_request, "invalid", "bad patient id", counters);
  }
  std::string_view target(req.target().data(), req.target().size());
  auto qpos = target.find('?');
  auto query = parse_query(qpos == std::string_view::npos ? "" : target.substr(qpos + 1));
  if (!query)
    return outcome(req, http::status::bad_request, "invalid", query.error().detail, counters);
  for (const auto& [key, value] : *query) {
    if (key != "start" && key != "end") {
      return outcome(req, http::status::bad_request, "not-supported",
                     "unknown parameter '" + key + "' (start, end)", counters);
    }
  }
  auto range = fhir::parse_time_range(param(*query, "start"), param(*query, "end"));
  if (!range)
    return outcome(req, http::status::bad_request, "invalid", range.error().detail, counters);
  PatientId patient{std::string(*id)};
  auto known = store.patients().has_patient(patient);
  if (!known)
    return outcome(req, http::status::internal_server_error, "exception", "store error", counters);
  if (!*known) return fhir_no_such_patient(req, counters);
  auto rows = store.ledger().readings_measured_between(patient, range->from, range->to,
                                                       kMaxFhirReadings + 1);
  if (!rows)
    return outcome(req, http::status::internal_server_error, "exception", "store error", counters);
  if (rows->size() > static_cast<std::size_t>(kMaxFhirReadings)) {
    return outcome(
        req, http::status::bad_request, "too-costly",
        "more than " + std::to_string(kMaxFhirReadings) + " readings in range; narrow start/end",
        counters);
  }
  auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  auto registered = store.patients().patient_record(patient);
  if (!registered)
    return outcome(req, http::status::internal_server_error, "exception", "store error", counters);
  fhir::ExportRequest request{patient, std::move(*rows), now};
  if (*registered) {
    request.henkilotunnus = (*registered)->henkilotunnus;
    request.display_name = (*registered)->display_name;
    if ((*registered)->language == "sv") request.language = fhir::NarrativeLanguage::kSwedish;
  }
  auto text = fhir::BundleText::make(std::move(request));
  if (!text) {
    log_error("fhir", "export of " + patient.value + " failed: " + describe(text.error()));
    return outcome(req, http::status::internal_server_error, "exception", text.error().detail,
                   counters);
  }
  counters.add("fhir_exports");
  counters.add("fhir_observations_exported", text->stats().observations);
  counters.add("fhir_control_results_excluded", text->stats().control_results_excluded);
  return streamed_bundle(req, std::move(*text), counters);
}

}  // namespace kotona::server::http
