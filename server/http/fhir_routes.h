// FHIR R4 export endpoint: GET /api/v1/fhir/Patient/{id}/$everything[?start=&end=] -> Bundle
// (application/fhir+json); errors as OperationOutcome. Runs on the io thread; not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/counters.h"
#include "server/http/route_table.h"
#include "server/store/store.h"

namespace kotona::server::http {

inline constexpr std::string_view kFhirPrefix = "/api/v1/fhir/";

// The row of route_table.cpp for every path below kFhirPrefix, any method: another team's
// patient answers as an unknown one, then handle_fhir_request().
Routed fhir_everything(const Call& call);

// The response to any request whose path starts with kFhirPrefix: 200 Bundle, streamed
// (a StreamedResponse: every row is checked before the 200, then the body is written in
// pieces of about kFhirPieceBytes); 400 bad id, parameter or range, or over kMaxFhirReadings
// readings ("too-costly"); 404 unknown patient or path; 405 not GET/HEAD; 500 store error or
// a row that cannot be exported.
Routed handle_fhir_request(const Request& request, std::string_view path, store::Store& store,
                           Counters& counters);

// 404 OperationOutcome "no such patient": for an unknown patient, and for one outside the
// caller's care teams (the same answer, so existence is not told; issue 17).
Response fhir_no_such_patient(const Request& req, Counters& counters);
// "/api/v1/fhir/Patient/{id}/$everything" -> id (as in the path); nullopt for other paths.
std::optional<std::string> fhir_patient_of(std::string_view path);

// Readings one export may carry; narrower ranges for more.
inline constexpr int kMaxFhirReadings = 20000;
// Bytes of export body produced and written at a time.
inline constexpr std::size_t kFhirPieceBytes = 64 * 1024;

}  // namespace kotona::server::http
