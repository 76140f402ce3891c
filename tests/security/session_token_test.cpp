// Issue 17, the session token model: a token is honoured only from the client address it was
// issued to, ends after an idle period (an open live feed is use), and the client address
// comes from X-Forwarded-For only when the peer is a configured trusted proxy. In-process
// server (server/http/test_served.h) with a fake clock (`skew_s`); the API's real peer is the
// test on 127.0.0.1, so the proxy is simulated by setting the header from 127.0.0.1.
#include <doctest/doctest.h>

#include "server/http/test_served.h"

using namespace kotona;
using namespace kotona::server::http::test_served;
namespace http = kotona::server::http;

namespace {

constexpr auto kAlice = R"({"user":"alice","password":"correct horse"})";

http::HttpOptions behind_proxy() {
  http::HttpOptions options;
  options.trusted_proxies = http::TrustedProxies::parse("127.0.0.1").value();
  return options;
}

// Signs alice in through the login route (as a browser does) from `forwarded_for`.
std::string sign_in(Served& s, const std::string& forwarded_for) {
  s.forwarded_for = forwarded_for;
  auto res = s.request(bhttp::verb::post, "/api/v1/login", "", kAlice);
  REQUIRE(res.result() == bhttp::status::ok);
  return std::string(boost::json::parse(res.body()).at("token").as_string());
}

bhttp::status alerts_from(Served& s, const std::string& forwarded_for, const std::string& token) {
  s.forwarded_for = forwarded_for;
  return s.request(bhttp::verb::get, "/api/v1/alerts", token).result();
}

}  // namespace

TEST_CASE("session token: used from another client than its sign-in's -> 401, counted") {
  Served s({}, behind_proxy());
  auto token = sign_in(s, "198.51.100.7");
  CHECK(alerts_from(s, "198.51.100.7", token) == bhttp::status::ok);
  CHECK(alerts_from(s, "203.0.113.9", token) == bhttp::status::unauthorized);
  CHECK(alerts_from(s, "", token) == bhttp::status::unauthorized);  // the proxy host itself
  CHECK(s.counters.snapshot()["http_token_other_address"] == 2);
  // The thief's attempts do not end the real user's session.
  CHECK(alerts_from(s, "198.51.100.7", token) == bhttp::status::ok);
}

TEST_CASE("session token: session_bind_address = off -> the token works from anywhere") {
  Served s([](http::AuthConfig& c) { c.bind_token_to_address = false; }, behind_proxy());
  auto token = sign_in(s, "198.51.100.7");
  CHECK(alerts_from(s, "203.0.113.9", token) == bhttp::status::ok);
}

TEST_CASE("session token: X-Forwarded-For from a peer that is not a trusted proxy is ignored") {
  Served s([](http::AuthConfig& c) {
    c.throttle.first_delay = std::chrono::milliseconds(20);
    c.throttle.free_per_address = 3;
    c.throttle.free_per_account = 1000;
  });
  auto token = sign_in(s, "198.51.100.7");
  // Bound to the peer (127.0.0.1), whatever the header claims.
  CHECK(alerts_from(s, "203.0.113.9", token) == bhttp::status::ok);
  // A client naming a fresh address per attempt still fails from one address: throttled.
  for (int i = 0; i < 6; ++i) {
    s.forwarded_for = "203.0.113." + std::to_string(10 + i);
    s.request(bhttp::verb::post, "/api/v1/login", "",
              R"({"user":"nobody)" + std::to_string(i) + R"(","password":"x"})");
  }
  CHECK(s.counters.snapshot()["http_login_throttled"] >= 3);
}

TEST_CASE("session token: behind a trusted proxy one client's failures do not slow another's") {
  Served s(
      [](http::AuthConfig& c) {
        c.throttle.first_delay = std::chrono::milliseconds(20);
        c.throttle.free_per_address = 3;
        c.throttle.free_per_account = 1000;
      },
      behind_proxy());
  for (int i = 0; i < 6; ++i) {
    s.forwarded_for = "198.51.100.66";
    s.request(bhttp::verb::post, "/api/v1/login", "",
              R"({"user":"nobody)" + std::to_string(i) + R"(","password":"x"})");
  }
  const auto throttled = s.counters.snapshot()["http_login_throttled"];
  CHECK(throttled >= 3);
  sign_in(s, "198.51.100.7");  // another client of the same proxy: not held back
  CHECK(s.counters.snapshot()["http_login_throttled"] == throttled);
}

TEST_CASE("session token: idle past session_idle_s -> 401 and forgotten, each use restarts it") {
  Served s([](http::AuthConfig& c) { c.token_idle = std::chrono::seconds(60); });
  auto token = s.login("alice");
  s.skew_s = 50;
  CHECK(alerts_from(s, "", token) == bhttp::status::ok);
  s.skew_s = 100;  // 50 s after the last use, 100 s after sign-in
  CHECK(alerts_from(s, "", token) == bhttp::status::ok);
  s.skew_s = 170;  // 70 s idle
  CHECK(alerts_from(s, "", token) == bhttp::status::unauthorized);
  CHECK(s.counters.snapshot()["http_token_idle"] == 1);
  s.skew_s = 171;  // gone, not merely idle: a later use is an unknown token
  CHECK(alerts_from(s, "", token) == bhttp::status::unauthorized);
  CHECK(s.counters.snapshot()["http_token_idle"] == 1);
}

TEST_CASE("session token: an open live feed is use -> its token does not go idle") {
  http::HttpOptions options;
  options.keepalive_interval = std::chrono::milliseconds(50);
  Served s([](http::AuthConfig& c) { c.token_idle = std::chrono::seconds(60); }, options);
  auto watched = s.login("alice");
  auto idle = s.login("alice");
  s.add_alerts({1}, "BPA");
  SseReader feed(s.port, "/api/v1/stream", "0", watched);  // replays it: no race with the publish
  REQUIRE(feed.ids(1).size() == 1);
  for (int t = 20; t <= 200; t += 20) {  // the feed re-checks its token at each keep-alive
    s.skew_s = t;
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  CHECK(alerts_from(s, "", watched) == bhttp::status::ok);
  CHECK(alerts_from(s, "", idle) == bhttp::status::unauthorized);
}
