// The clinician page's routes: GET / (index.html) and GET /web/... (its CSS and ES modules,
// embedded from server/web/ at build time), with the page's security headers; and the one
// generated module, /web/js/kinds.js, made from core's kind table. io thread only.
#pragma once

#include <string>

#include "server/http/route_table.h"

namespace kotona::server::http {

// GET / -> the clinician page (static, no data) with its security headers.
Routed serve_page(const Call& call);
// GET /web/{path} -> the embedded file with its content type and ETag (304 on a matching
// If-None-Match); 404 for a path that is not embedded.
Routed serve_asset(const Call& call);
// The ES module behind /web/js/kinds.js: `series` (per kind, the trend components; the first
// carries the device's range indicator) and `hiLo` (kinds whose meters show HI / LO).
std::string kinds_module();

}  // namespace kotona::server::http
