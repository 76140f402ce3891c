// Patient register and enrolment endpoints (README.md), rows of route_table.cpp: patients (id,
// henkilötunnus, display name, care team) and the bindings gateway + device -> patient over
// time. Writes are admin-only rows; reads keep only the caller's visible patients, and a
// patient or enrolment of another team answers as a nonexistent one. Every write is audited by
// the store. The henkilötunnus is never logged. Runs on the io thread; not thread-safe.
//
// 200/201, 400 bad input (counted `api_bad_input`), 404, 409 conflict (the store's reason),
// 500 store error.
#pragma once

#include "server/http/route_table.h"

namespace kotona::server::http {

// GET /api/v1/patients[?limit=], POST /api/v1/patients.
Routed list_patients(const Call& call);
Routed create_patient(const Call& call);
// GET /api/v1/patients/{id} (with its enrolment history), PATCH /api/v1/patients/{id}.
Routed show_patient(const Call& call);
Routed update_patient(const Call& call);
// POST /api/v1/patients/{id}/henkilotunnus (reveal_route.cpp): {"henkilotunnus": code or null},
// after an audit row `henkilotunnus.show` (user, patient/<id>, never the code); 500 and no
// code when the row cannot be written.
Routed reveal_henkilotunnus(const Call& call);
// GET /api/v1/enrolments[?patient=&gateway=&device=&limit=], POST /api/v1/enrolments.
Routed list_enrolments(const Call& call);
Routed create_enrolment(const Call& call);
// GET /api/v1/enrolments/{id}, POST /api/v1/enrolments/{id}/end.
Routed show_enrolment(const Call& call);
Routed end_enrolment(const Call& call);

}  // namespace kotona::server::http
