// request_guard: Host against the public names, JSON and same origin for state-changing
// requests (issue 17: DNS rebinding and cross-site logins).
#include "server/http/request_guard.h"

#include <doctest/doctest.h>

using namespace kotona;
using namespace kotona::server::http;
namespace bhttp = boost::beast::http;

namespace {

Request make(bhttp::verb verb, const std::string& target, const std::string& host,
             const std::string& type = "", const std::string& origin = "",
             const std::string& body = "") {
  Request req{verb, target, 11};
  if (!host.empty()) req.set(bhttp::field::host, host);
  if (!type.empty()) req.set(bhttp::field::content_type, type);
  if (!origin.empty()) req.set(bhttp::field::origin, origin);
  req.body() = body;
  req.prepare_payload();
  return req;
}

int status(const Request& req, const std::vector<std::string>& names = {"127.0.0.1", "localhost",
                                                                        "::1", "kotona.example"}) {
  Counters counters;
  auto r = guard_request(req, names, counters);
  return r ? static_cast<int>(r->result_int()) : 0;
}

}  // namespace

TEST_CASE("guard: Host must be a public name, any port, any case, else 421") {
  using V = bhttp::verb;
  CHECK(status(make(V::get, "/api/v1/alerts", "127.0.0.1:8080")) == 0);
  CHECK(status(make(V::get, "/", "Kotona.Example")) == 0);
  CHECK(status(make(V::get, "/", "[::1]:8080")) == 0);
  CHECK(status(make(V::get, "/", "evil.example:8080")) == 421);  // DNS rebinding
  CHECK(status(make(V::get, "/", "127.0.0.1.evil.example")) == 421);
  CHECK(status(make(V::get, "/", "")) == 421);  // no Host at all
  CHECK(status(make(V::get, "/", "[::1")) == 421);
}

TEST_CASE("guard: state-changing with a body, and login always, need application/json, else 415") {
  using V = bhttp::verb;
  const std::string h = "127.0.0.1:8080";
  CHECK(status(make(V::post, "/api/v1/login", h, "application/json", "", "{}")) == 0);
  CHECK(status(make(V::post, "/api/v1/login", h, "application/json; charset=utf-8", "", "{}")) ==
        0);
  CHECK(status(make(V::post, "/api/v1/login", h, "text/plain", "", "{}")) == 415);
  CHECK(status(make(V::post, "/api/v1/login", h)) == 415);
  CHECK(status(make(V::post, "/api/v1/alerts/ack", h, "text/plain", "", "{}")) == 415);
  CHECK(status(make(V::post, "/api/v1/logout", h)) == 0);  // no body: nothing to smuggle
  CHECK(status(make(V::get, "/api/v1/alerts", h, "text/plain", "", "")) == 0);
}

TEST_CASE("guard: an Origin other than a public name on a state-changing request -> 403") {
  using V = bhttp::verb;
  const std::string h = "127.0.0.1:8080", json = "application/json";
  CHECK(status(make(V::post, "/api/v1/login", h, json, "http://127.0.0.1:8080", "{}")) == 0);
  CHECK(status(make(V::post, "/api/v1/login", h, json, "https://kotona.example", "{}")) == 0);
  CHECK(status(make(V::post, "/api/v1/login", h, json, "https://evil.example", "{}")) == 403);
  CHECK(status(make(V::post, "/api/v1/login", h, json, "null", "{}")) == 403);
  CHECK(status(make(V::get, "/api/v1/alerts", h, "", "https://evil.example")) == 0);
}
