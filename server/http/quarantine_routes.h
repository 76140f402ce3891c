// Quarantine endpoints (issue 13), admin only (dispatch() refuses everyone else, every method):
// the items ingest could not store, with reason and the decoded reading where there is one, and
// the release of a not_enrolled item once its device is enrolled (stored exactly once, rules
// included; audited by the store). Runs on the io thread; not thread-safe.
#pragma once

#include <string_view>

#include "server/http/routes.h"

namespace kotona::server::http {

inline constexpr std::string_view kQuarantinePath = "/api/v1/quarantine";

// True for kQuarantinePath and everything under it.
bool is_quarantine_path(std::string_view path);

// GET kQuarantinePath[?gateway=&reason=&held=1&limit=N] -> {"items": [...]}, newest first;
// POST kQuarantinePath/{id}/release -> 200 {"item": ..., "alerts": [...]}; 400 bad input
// (counted api_bad_input), 404, 405, 409 (the store's reason: not releasable, already released,
// device still not enrolled), 500 store error. The caller is an admin (dispatch()).
Response handle_quarantine_request(const Request& request, std::string_view path,
                                   const Principal& who, RouteContext& context);

}  // namespace kotona::server::http
