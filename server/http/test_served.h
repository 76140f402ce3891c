// Test fixture for server/http tests: HttpServer in-process on port 0 with a real store, an
// Auth with a fake clock and users on two care teams, driven by a Beast client from the test
// thread; the store, hub and auth are only touched on the io thread (on_io()).
#pragma once

#include <doctest/doctest.h>
#include <poll.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <functional>
#include <future>
#include <map>
#include <thread>

#include "server/http/auth.h"
#include "server/http/http_server.h"
#include "server/http/routes.h"
#include "tests/support/process.h"
#include "tests/support/store_location.h"

namespace kotona::server::http::test_served {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

const GatewayId kGw{"gw-1"};
// Cheap hashes keep the tests fast; production hashes use 600 000 iterations.
constexpr int kTestIterations = 1000;

inline Reading bp(int record, double systolic, const std::string& serial = "BP1") {
  Reading r;
  r.device.serial = DeviceSerial{serial};
  r.record_id = std::to_string(record);
  r.hub_time = HubTime{std::chrono::milliseconds{1'790'000'000'000 + record}};
  r.measurement = BloodPressure{systolic, 80, std::nullopt, 60.0};
  finalize_reading(kGw, r);
  return r;
}

template <typename F>
inline auto on_io(asio::io_context& io, F fn) {
  std::packaged_task<decltype(fn())()> task(std::move(fn));
  auto result = task.get_future();
  asio::post(io, [&task] { task(); });
  return result.get();
}

struct Served {
  test::TempDir dir;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(io);
  Counters counters;
  std::unique_ptr<store::Store> store;
  http::SseHub hub{io};
  // The auth clock: real time plus `skew_s`, which tests advance to expire tokens.
  std::atomic<std::int64_t> skew_s{0};
  std::unique_ptr<http::Auth> auth;
  std::unique_ptr<http::HttpServer> server;
  std::uint16_t port = 0;
  std::thread thread;
  std::string token;  // admin's, sent by request() unless told otherwise
  std::string clinician_token;  // dr-lee's (ward-a), sent by post()
  std::string forwarded_for;    // sent by request() as X-Forwarded-For when not empty

  // patient-1 (BP1) and patient-a (BPA) are care team "ward-a"; patient-b (BPB) is "ward-b".
  std::string location = kotona::test::test_store_location(dir.path());

  // `tweak` adjusts the auth config (users, hashes, throttle) before the server starts.
  // `options`: the server's HttpOptions (caps).
  explicit Served(const std::function<void(http::AuthConfig&)>& tweak = {},
                  http::HttpOptions options = {}) {
    store = std::move(store::Store::open(location).value());
    REQUIRE(store->patients().seed_enrolment(
        {{kGw, DeviceSerial{"BP1"}, PatientId{"patient-1"}, HubTime{}, std::nullopt},
         {kGw, DeviceSerial{"BPA"}, PatientId{"patient-a"}, HubTime{}, std::nullopt},
         {kGw, DeviceSerial{"BPB"}, PatientId{"patient-b"}, HubTime{}, std::nullopt}},
        HubTime{}));
    http::AuthConfig config;
    config.teams["ward-a"] = {"patient-1", "patient-a"};
    config.teams["ward-b"] = {"patient-b"};
    auto hash = http::hash_password("correct horse", kTestIterations);
    config.users = {{"admin", http::Role::kAdmin, "-", hash},
                    {"alice", http::Role::kClinician, "ward-a", hash},
                    {"dr-lee", http::Role::kClinician, "ward-a", hash},
                    {"victor", http::Role::kViewer, "ward-a", hash},
                    {"bob", http::Role::kClinician, "ward-b", hash}};
    config.token_ttl = 3600s;
    if (tweak) tweak(config);
    auth = std::make_unique<http::Auth>(config, [this] {
      return std::chrono::system_clock::now() + std::chrono::seconds(skew_s.load());
    });
    server = std::make_unique<http::HttpServer>(io, *store, counters, hub, *auth, options);
    port = server->listen("127.0.0.1", 0).value();
    server->start();
    thread = std::thread([this] { io.run(); });
    token = login("admin");
    clinician_token = login("dr-lee");
  }
  // A fresh token for `user` (on the io thread, as the login route does).
  std::string login(const std::string& user) {
    return on_io(io, [&] { return auth->login(user, "correct horse").value().token; });
  }
  ~Served() {
    on_io(io, [this] {
      server->stop();
      return 0;
    });
    guard.reset();
    thread.join();
  }
  // Stores a crisis reading per record and publishes its alerts, as ingest does; stored `at`
  // (server time: the alerts' created time).
  std::vector<std::int64_t> add_alerts(std::vector<int> records, const std::string& serial = "BP1",
                                       HubTime at = HubTime{}) {
    return on_io(io, [&] {
      std::vector<std::int64_t> ids;
      for (int record : records) {
        auto out = store->ledger().store_batch(kGw, {kGw, 1, {bp(record, 190, serial)}, {}}, at);
        REQUIRE(out.has_value());
        for (const auto& a : out->new_alerts) ids.push_back(a.event_id);
        hub.publish(out->new_alerts);
      }
      return ids;
    });
  }
  // `bearer`: nullopt sends the admin token, "" no Authorization header at all.
  bhttp::response<bhttp::string_body> request(
      bhttp::verb verb, const std::string& target, std::optional<std::string> bearer = std::nullopt,
      const std::string& body = "", const std::map<std::string, std::string>& headers = {}) {
    asio::io_context client_io;
    beast::tcp_stream stream(client_io);
    stream.expires_after(5s);
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    bhttp::request<bhttp::string_body> req{verb, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    if (!forwarded_for.empty()) req.set("X-Forwarded-For", forwarded_for);
    std::string t = bearer.value_or(token);
    if (!t.empty()) req.set(bhttp::field::authorization, "Bearer " + t);
    for (const auto& [name, value] : headers) req.set(name, value);
    if (!body.empty()) {
      req.set(bhttp::field::content_type, "application/json");  // as every real client does
      req.body() = body;
      req.prepare_payload();
    }
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream, buffer, res);
    return res;
  }
  bhttp::response<bhttp::string_body> post(const std::string& target, const std::string& body) {
    asio::io_context client_io;
    beast::tcp_stream stream(client_io);
    stream.expires_after(5s);
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    req.set(bhttp::field::content_type, "application/json");
    req.set(bhttp::field::authorization, "Bearer " + clinician_token);
    req.body() = body;
    req.prepare_payload();
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream, buffer, res);
    return res;
  }
};

// Reads SSE text until `count` events arrived; returns (id, event, data) triples.
struct SseReader {
  asio::io_context io;
  beast::tcp_stream stream{io};
  std::string text;
  SseReader(std::uint16_t port, const std::string& target, const std::string& last_event_id,
            const std::string& bearer) {
    stream.expires_after(5s);
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!bearer.empty()) req += "Authorization: Bearer " + bearer + "\r\n";
    if (!last_event_id.empty()) req += "Last-Event-ID: " + last_event_id + "\r\n";
    asio::write(stream, asio::buffer(req + "\r\n"));
  }
  std::vector<std::string> ids(std::size_t count, std::chrono::milliseconds wait = 5s) {
    std::vector<std::string> out;
    while (true) {
      out.clear();
      auto body = text.find("\r\n\r\n");
      for (auto pos = text.find("\nid: ", body); pos != std::string::npos;
           pos = text.find("\nid: ", pos + 1)) {
        out.push_back(text.substr(pos + 5, text.find('\n', pos + 1) - pos - 5));
      }
      if (out.size() >= count) return out;
      char chunk[4096];
      // Sync reads ignore expires_after (and asio retries through SO_RCVTIMEO): poll first.
      pollfd p{stream.socket().native_handle(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return out;
      boost::system::error_code ec;
      auto n = stream.read_some(asio::buffer(chunk), ec);
      if (ec) return out;
      text.append(chunk, n);
    }
  }
};

}  // namespace kotona::server::http::test_served
