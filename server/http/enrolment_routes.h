// Patient register and enrolment endpoints (README.md): patients (id, henkilötunnus, display
// name, care team) and the bindings gateway + device -> patient over time. dispatch() has
// already authorised the request (writes: admin only; a named patient: Principal::may_see);
// lists keep only the caller's visible patients. Every write is audited by the store. The
// henkilötunnus is never logged. Runs on the io thread; not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "server/http/routes.h"

namespace kotona::server::http {

inline constexpr std::string_view kPatientsPath = "/api/v1/patients";
inline constexpr std::string_view kEnrolmentsPath = "/api/v1/enrolments";

// True for kPatientsPath, kEnrolmentsPath and everything under them.
bool is_enrolment_path(std::string_view path);

// The patient a request names, for dispatch()'s team check: /api/v1/patients/{id}, the query's
// `patient`, a POST body's `patient_id`, or the patient of /api/v1/enrolments/{id}[/end]
// (read from the store). nullopt when it names none (or the id/body is malformed: the handler
// answers that with 400/404).
std::optional<std::string> enrolment_patient_of(const Request& request, std::string_view path,
                                                store::Store& store);

// GET/POST kPatientsPath, GET/PATCH kPatientsPath/{id}, GET/POST kEnrolmentsPath,
// GET kEnrolmentsPath/{id}, POST kEnrolmentsPath/{id}/end. 200/201, 400 bad input (counted
// `api_bad_input`), 404, 405, 409 conflict (the store's reason), 500 store error.
Response handle_enrolment_request(const Request& request, std::string_view path,
                                  const Principal& who, RouteContext& context);

}  // namespace kotona::server::http
