// Hub enrolment (issue 20 part 5), rows of route_table.cpp. An admin issues a one-time code
// for a gateway id and patient; the blank hub posts the code with its CSR and gets its
// certificate, the broker's address and CA, its patient and its devices. The code is burned
// in the transaction that signs (store/enrolment_codes.h); every step is an audit row.
// Runs on the io thread; not thread-safe.
#pragma once

#include "server/http/enrol_throttle.h"
#include "server/http/route_table.h"
#include "server/store/enrolment_codes.h"

namespace kotona::server::http {

class HubCa;

// What the routes use, set once by the server before it serves (server.cpp) and by tests.
// `ca` nullptr (the default): hub enrolment not configured, the code and enrol routes answer
// 503. `codes` (the codes' and certificates' tables) nullptr: the same, and no certificate
// listed; the server wires it even without a CA, so those issued before stay listed.
// TODO(enrol): move into RouteContext with the next change of routes.h (kept out of it here:
// that header rebuilds all of server/http).
// Also starts the enrolment throttle afresh.
void set_hub_enrolment(const HubCa* ca, store::EnrolmentCodes* codes);
// The throttle's settings (enrol_throttle.h; default enrol_throttle_defaults()), afresh.
void set_hub_enrol_throttle(const ThrottleConfig& config);

// POST /api/v1/enrolment-codes (admin): {"gateway_id", "patient_id", "ttl_s" (60..86400,
// default 900)} -> 201 {"code", "gateway_id", "patient_id", "expires"}; 404 unknown patient,
// 400 bad input, 503 when the server has no hub CA configured.
Routed issue_enrolment_code(const Call& call);

// POST /api/v1/hub/enrol (public: the code is the credential): {"code", "csr" (PEM)} ->
// 200 {"gateway_id", "patient_id", "patient_name", "language", "certificate", "broker_uri",
// "broker_ca", "devices": [serial...]} (the meters bound to the gateway now; never the
// pseudo-device `manual`). An unknown, used or expired code, or a CSR the CA
// refuses: 403 {"error": "refused"} and nothing else (counted hub_enrol_refused, audited
// with the reason); 503 without a hub CA. An address with too many refusals (EnrolThrottle):
// 429 with Retry-After before the body is read (counted hub_enrol_throttled, audited
// enrolment_code.throttled once per wait), the same whatever the code.
Routed enrol_hub(const Call& call);

// GET /api/v1/hub-certificates[?gateway=ID][&limit=N] (admin): the certificates enrolment
// issued, newest first (default and most 1000): [{"serial" (upper-case hex, as `openssl x509
// -serial`), "gateway_id", "patient_id", "issued", "not_after", "issued_to" (the address that
// redeemed the code), "revoked" (null)}]; 400 bad query. Without a hub CA: those issued while
// there was one ([] when none can have been issued), never 503.
Routed list_hub_certificates(const Call& call);

}  // namespace kotona::server::http
