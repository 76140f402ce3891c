// Checks every request passes before routing (issue 17, OWASP ASVS 4.0 §13/§14): the Host it
// names is one of the server's public names (DNS rebinding: a page on evil.example whose name
// now points at 127.0.0.1 sends Host: evil.example), and a state-changing request is JSON from
// the server's own origin (a cross-site form or text/plain POST cannot drive logins and the
// lockouts they cause). Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/counters.h"
#include "server/http/respond.h"

namespace kotona::server::http {

// The names the API is reached by when none are configured (`http_public_names`).
std::vector<std::string> default_public_names();

// nullopt when `req` may go on; otherwise the answer, counted:
//   421 (http_bad_host)       Host missing or not in `public_names` (compared without port,
//                             case-insensitively; IPv6 in brackets);
//   415 (http_bad_content_type) not GET/HEAD/OPTIONS, with a body (or to the login path),
//                             and Content-Type is not application/json;
//   403 (http_cross_origin)   not GET/HEAD/OPTIONS, and an Origin header is sent whose host is
//                             not in `public_names` (a missing Origin is allowed: CLI clients).
std::optional<Response> guard_request(const Request& req,
                                      const std::vector<std::string>& public_names,
                                      Counters& counters);

}  // namespace kotona::server::http
