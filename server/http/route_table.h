// The HTTP route table: every route is one row (method, path pattern, requirement, handler).
// dispatch() (routes.h) matches the row, authenticates and authorises from the row's
// requirement, then calls the handler with the signed-in principal; a handler never checks a
// role itself. A handler naming a patient (alert, enrolment, ...) must still check
// Principal::may_see, and answer as for a nonexistent one (hidden() in respond.h).
// Adding a route = adding a row in route_table.cpp, and a cell in authz_matrix_test.cpp (the
// matrix fails for a row it does not exercise). Pure; thread-safe.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/routes.h"

namespace kotona::server::http {

// Who may call a row, weakest first.
enum class Access {
  kPublic,    // no token (the page, health, the login itself)
  kSignedIn,  // any live token (viewer, clinician, admin)
  kActor,     // clinician or admin (acts on alerts)
  kAdmin,     // admin only
};
std::string_view to_string(Access access);
// True when `role` satisfies `access` (every role satisfies kPublic and kSignedIn).
bool allows(Access access, Role role);

// One request, as a handler sees it: already authenticated and authorised for its row.
struct Call {
  const Request& req;
  std::string_view path;               // the target without its query
  std::vector<std::string_view> args;  // the {segments} of the pattern, in order
  const Principal& who;                // an empty principal on kPublic rows
  std::string_view token;              // the bearer token ("" on kPublic rows)
  RouteContext& ctx;
};

using Handler = Routed (*)(const Call& call);

// Pattern: "/api/v1/patients/{id}" ({name}: one non-empty segment, passed in Call::args), or
// a prefix "/api/v1/fhir/**" (every path below it). Method: GET rows also answer HEAD;
// boost::beast::http::verb::unknown means every method, the handler answering 405 itself.
struct Route {
  boost::beast::http::verb method;
  std::string_view pattern;
  Access access;
  Handler handler;
};

// Every route of the API, in match order.
std::span<const Route> route_table();

// What the table says about a request.
struct Match {
  const Route* row = nullptr;          // nullptr: no row for this method (or path)
  std::vector<std::string_view> args;  // of `row`
  bool path_known = false;             // some row has this path (another method: 405)
  Access need = Access::kSignedIn;     // what the caller must be before any answer
  std::string allow;                   // "GET, HEAD, POST": the path's methods (for a 405)
};
Match match_route(boost::beast::http::verb method, std::string_view path);

}  // namespace kotona::server::http
