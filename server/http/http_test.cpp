// HttpServer in-process (test_served.h): routes, JSON, SSE replay, alert actions.
// Authorisation: authz_matrix_test.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "server/http/test_served.h"
#include "server/store/json_text.h"

using namespace kotona;
using namespace kotona::server;
using namespace kotona::server::http::test_served;

TEST_CASE("http: GET /api/v1/alerts -> JSON array, newest first") {
  Served s;
  auto ids = s.add_alerts({1, 2});
  auto res = s.request(bhttp::verb::get, "/api/v1/alerts");
  CHECK(res.result() == bhttp::status::ok);
  auto list = boost::json::parse(res.body()).as_array();
  REQUIRE(list.size() == 1);  // the second crossing is grouped into the open alert
  CHECK(list[0].at("event_id").as_int64() == ids[1]);
  CHECK(list[0].at("crossings").as_int64() == 2);
  CHECK(list[0].at("rule_id").as_string() == "bp.crisis");
  CHECK(list[0].at("priority").as_string() == "high");
  CHECK(list[0].at("patient_id").as_string() == "patient-1");
  CHECK(list[0].at("state").as_string() == "open");
}

TEST_CASE("http: GET /api/v1/readings?patient= -> that patient's readings with values") {
  Served s;
  s.add_alerts({1});
  auto list =
      boost::json::parse(s.request(bhttp::verb::get, "/api/v1/readings?patient=patient-1").body())
          .as_array();
  REQUIRE(list.size() == 1);
  CHECK(list[0].at("kind").as_string() == "bp");
  CHECK(list[0].at("values").at("systolic_mmhg").to_number<double>() == 190);
  CHECK(list[0].at("device_serial").as_string() == "BP1");
  auto none = s.request(bhttp::verb::get, "/api/v1/readings?patient=other");
  CHECK(boost::json::parse(none.body()).as_array().empty());
}

TEST_CASE("http: readings ?patient=&start=&end= -> that patient's readings measured in range") {
  Served s;
  s.add_alerts({1, 2});  // measured 1'790'000'000'001 and ...002 ms (2026-09-21T...)
  auto count = [&](const std::string& query) {
    auto res = s.request(bhttp::verb::get, "/api/v1/readings?" + query);
    REQUIRE(res.result() == bhttp::status::ok);
    auto body = boost::json::parse(res.body()).as_object();
    CHECK(body.at("next").is_null());  // the whole period in one answer
    return body.at("readings").as_array().size();
  };
  CHECK(count("patient=patient-1&start=2026-09-01&end=2026-09-30") == 2);
  CHECK(count("patient=patient-1&start=2026-10-01") == 0);
  CHECK(count("patient=patient-1&end=2026-09-01") == 0);
  CHECK(s.request(bhttp::verb::get, "/api/v1/readings?start=2026-09-01").result() ==
        bhttp::status::bad_request);
  CHECK(s.request(bhttp::verb::get, "/api/v1/readings?patient=patient-1&start=yesterday")
            .result() == bhttp::status::bad_request);
}

namespace {

// patient-1's BP readings (120 mmHg: no alert) with records `first`.. measured at
// 1'790'000'000'000 + each of `offsets_ms`.
void add_measured(Served& s, int first, const std::vector<int>& offsets_ms) {
  on_io(s.io, [&] {
    std::vector<Reading> readings;
    for (int off : offsets_ms) {
      auto r = bp(first++, 120);
      r.hub_time = HubTime{std::chrono::milliseconds{1'790'000'000'000 + off}};
      readings.push_back(r);
    }
    REQUIRE(s.store->ledger().store_batch(kGw, {kGw, 1, readings, {}}, HubTime{}).has_value());
    return 0;
  });
}

}  // namespace

TEST_CASE(
    "http: readings of a period over the limit -> `next` until the period is whole, readings "
    "sharing one time across pages each once, the newest included") {
  Served s;
  // 8 at distinct times, then 12 at ONE time (more than a page of 5), then 5 more.
  std::vector<int> offsets{10, 20, 30, 40, 50, 60, 70, 80};
  for (int i = 0; i < 12; ++i) offsets.push_back(100);
  for (int t : {200, 210, 220, 230, 240}) offsets.push_back(t);
  add_measured(s, 1, offsets);
  const std::string period =
      "/api/v1/readings?patient=patient-1&limit=5&start=2026-09-01&end=2026-09-30";
  auto page = [&](const std::string& after) {
    auto res = s.request(bhttp::verb::get, period + (after.empty() ? "" : "&after=" + after));
    REQUIRE(res.result() == bhttp::status::ok);
    return boost::json::parse(res.body()).as_object();
  };
  std::set<std::string> uids;
  std::vector<std::string> times;  // ISO 8601, same width: sorted as text
  std::string after;
  int pages = 0;
  while (true) {
    auto body = page(after);
    const auto& rows = body.at("readings").as_array();
    CHECK(rows.size() <= 5);
    for (const auto& r : rows) {
      CHECK(uids.insert(std::string(r.at("reading_uid").as_string())).second);  // once
      times.push_back(std::string(r.at("hub_time").as_string()));
    }
    if (++pages == 3) add_measured(s, 100, {100});  // stored meanwhile at the tie's time: read too
    REQUIRE(pages < 20);
    if (body.at("next").is_null()) break;
    after = std::string(body.at("next").as_string());
  }
  CHECK(pages == 6);  // 26 readings, 5 a page
  CHECK(uids.size() == 26);
  CHECK(std::is_sorted(times.begin(), times.end()));
  CHECK(times.back() == "2026-09-21T14:13:20.240Z");  // the newest reading is in, not silently cut
  // The first page alone says it is not the whole period.
  CHECK(page("").at("next").is_string());
  // A period holding exactly one page: no `next`.
  auto last = s.request(bhttp::verb::get,
                        "/api/v1/readings?patient=patient-1&limit=5&start=2026-09-21T14:13:20.200Z"
                        "&end=2026-09-30");
  auto whole = boost::json::parse(last.body()).as_object();
  CHECK(whole.at("readings").as_array().size() == 5);
  CHECK(whole.at("next").is_null());
  for (const char* bad : {"abc", "1790000000100", "1790000000100.x", "-5.0", "1.0",
                          "1790000000100.-1", "1790000000100.100001", "2790000000000.0"}) {
    CAPTURE(bad);
    CHECK(s.request(bhttp::verb::get, period + "&after=" + bad).result() ==
          bhttp::status::bad_request);
  }
  CHECK(s.request(bhttp::verb::get, "/api/v1/readings?after=1790000000100.0").result() ==
        bhttp::status::bad_request);  // a cursor needs the patient's period
}

TEST_CASE(
    "http: the FHIR export of a period over its cap -> 400 too-costly, never a bundle short of "
    "the newest readings") {
  Served s;
  std::vector<int> offsets(20'001);
  for (int i = 0; i < 20'001; ++i) offsets[i] = i;
  add_measured(s, 1, offsets);
  auto over =
      s.request(bhttp::verb::get,
                "/api/v1/fhir/Patient/patient-1/$everything?start=2026-09-01&end=2026-09-30");
  CHECK(over.result() == bhttp::status::bad_request);
  CHECK(over.body().find("too-costly") != std::string::npos);
}

TEST_CASE("http: unknown path -> 404 JSON error, counted") {
  Served s;
  auto res = s.request(bhttp::verb::get, "/nope");
  CHECK(res.result() == bhttp::status::not_found);
  CHECK(boost::json::parse(res.body()).as_object().contains("error"));
  auto metrics = s.request(bhttp::verb::get, "/metrics");
  CHECK(metrics.body().find("http_responses_404 1") != std::string::npos);
}

TEST_CASE("http: POST /api/v1/alerts -> 405") {
  Served s;
  CHECK(s.request(bhttp::verb::post, "/api/v1/alerts").result() ==
        bhttp::status::method_not_allowed);
}

TEST_CASE("http: ack with note, then resolve -> state, audit rows, SSE events, 404/409/400") {
  Served s;
  auto ids = s.add_alerts({1});
  auto list = boost::json::parse(s.request(bhttp::verb::get, "/api/v1/alerts").body()).as_array();
  std::string id(list.at(0).at("alert_id").as_string());
  SseReader sse(s.port, "/api/v1/stream", std::to_string(ids[0]), s.token);
  auto body = [&](const std::string& by, const std::string& note) {
    return store::to_json_text(boost::json::object{{"alert_id", id}, {"by", by}, {"note", note}});
  };
  // The actor is the authenticated user (dr-lee's token), whatever the body claims.
  auto ack = s.post("/api/v1/alerts/ack", body("someone-else", "phoned, repeat in 1 h"));
  REQUIRE(ack.result() == bhttp::status::ok);
  auto acked = boost::json::parse(ack.body()).as_object();
  CHECK(acked.at("state").as_string() == "acknowledged");
  CHECK(acked.at("acked_by").as_string() == "dr-lee");
  CHECK(acked.at("ack_note").as_string() == "phoned, repeat in 1 h");
  CHECK(acked.at("change").as_string() == "acknowledged");
  CHECK(s.post("/api/v1/alerts/ack", body("dr-lee", "")).result() == bhttp::status::conflict);
  CHECK(s.post("/api/v1/alerts/resolve", body("dr-lee", "ok")).result() == bhttp::status::ok);
  auto events = sse.ids(2);
  REQUIRE(events.size() == 2);
  CHECK(std::stoll(events[0]) > ids[0]);
  CHECK(std::stoll(events[1]) > std::stoll(events[0]));
  CHECK(sse.text.find("\"change\":\"resolved\"") != std::string::npos);
  auto audit =
      boost::json::parse(s.request(bhttp::verb::get, "/api/v1/audit?alert=" + id).body())
          .as_array();
  REQUIRE(audit.size() == 2);
  CHECK(audit[1].at("action").as_string() == "ack");
  CHECK(audit[1].at("detail").as_string() == "phoned, repeat in 1 h");
  auto verify = boost::json::parse(s.request(bhttp::verb::get, "/api/v1/audit/verify").body());
  CHECK(verify.at("ok").as_bool());
  CHECK(verify.at("rows").as_int64() == 2);
  auto missing = store::to_json_text(boost::json::object{{"alert_id", "nope"}, {"by", "dr-lee"}});
  CHECK(s.post("/api/v1/alerts/ack", missing).result() == bhttp::status::not_found);
  CHECK(s.post("/api/v1/alerts/ack", "{not json").result() == bhttp::status::bad_request);
  CHECK(s.post("/api/v1/alerts/ack", body("dr-lee", std::string(3000, 'x'))).result() ==
        bhttp::status::bad_request);
  CHECK(s.request(bhttp::verb::get, "/api/v1/alerts/ack").result() ==
        bhttp::status::method_not_allowed);
}

TEST_CASE("http: alert filters by priority, state, patient -> only matching alerts") {
  Served s;
  s.add_alerts({1});
  auto count = [&](const std::string& query) {
    auto res = s.request(bhttp::verb::get, "/api/v1/alerts?" + query);
    REQUIRE(res.result() == bhttp::status::ok);
    return boost::json::parse(res.body()).as_array().size();
  };
  CHECK(count("priority=high") == 1);
  CHECK(count("priority=medium") == 0);
  CHECK(count("state=open&patient=patient-1") == 1);
  CHECK(count("state=resolved") == 0);
  CHECK(count("patient=patient-2") == 0);
  CHECK(s.request(bhttp::verb::get, "/api/v1/alerts?priority=urgent").result() ==
        bhttp::status::bad_request);
  CHECK(s.request(bhttp::verb::get, "/api/v1/alerts?state=closed").result() ==
        bhttp::status::bad_request);
}

TEST_CASE("http: bad query values or unknown parameters -> 400") {
  Served s;
  CHECK(s.request(bhttp::verb::get, "/api/v1/alerts?limit=abc").result() ==
        bhttp::status::bad_request);
  CHECK(s.request(bhttp::verb::get, "/api/v1/alerts?color=red").result() ==
        bhttp::status::bad_request);
  CHECK(s.request(bhttp::verb::get, "/api/v1/readings?patient=a%2Fb").result() ==
        bhttp::status::bad_request);
  CHECK(s.request(bhttp::verb::get, "/api/v1/stream?last_event_id=-4").result() ==
        bhttp::status::bad_request);
  // priority and state are parsed to the store's enums at this edge: other text is refused,
  // the stored spelling filters.
  CHECK(s.request(bhttp::verb::get, "/api/v1/alerts?priority=urgent").result() ==
        bhttp::status::bad_request);
  CHECK(s.request(bhttp::verb::get, "/api/v1/alerts?state=Open").result() ==
        bhttp::status::bad_request);
  s.add_alerts({1});
  auto open = s.request(bhttp::verb::get, "/api/v1/alerts?priority=high&state=open");
  CHECK(boost::json::parse(open.body()).as_array().size() == 1);
  auto none = s.request(bhttp::verb::get, "/api/v1/alerts?priority=low&state=open");
  CHECK(boost::json::parse(none.body()).as_array().empty());
}

TEST_CASE("http: GET /healthz and / -> ok and the feed page") {
  Served s;
  CHECK(s.request(bhttp::verb::get, "/healthz").body() == "ok\n");
  auto page = s.request(bhttp::verb::get, "/");
  CHECK(page.result() == bhttp::status::ok);
  CHECK(page.body().find("<script type=\"module\" src=\"/web/js/main.js\">") != std::string::npos);
  CHECK(page[bhttp::field::content_type] == "text/html; charset=utf-8");
  CHECK(page[bhttp::field::cache_control] == "no-store");
  // No inline script or style may run: every script and style is a file of server/web/.
  CHECK(page["Content-Security-Policy"].find("script-src 'self';") != std::string::npos);
  CHECK(page["Content-Security-Policy"].find("unsafe-inline") == std::string::npos);
  CHECK(page.count("Content-Security-Policy") == 1);
  CHECK(page["X-Frame-Options"] == "DENY");
}

TEST_CASE(
    "http: GET /web/ files -> embedded with type and ETag (304 when unchanged), unknown 404") {
  Served s;
  auto js = s.request(bhttp::verb::get, "/web/js/api.js");
  CHECK(js.result() == bhttp::status::ok);
  CHECK(js.body().find("Authorization") != std::string::npos);
  CHECK(js[bhttp::field::content_type] == "text/javascript; charset=utf-8");
  CHECK(js[bhttp::field::cache_control] == "no-cache");
  CHECK(js["X-Content-Type-Options"] == "nosniff");
  CHECK(js.count("Content-Security-Policy") == 1);
  auto etag = std::string(js[bhttp::field::etag]);
  REQUIRE(etag.size() > 2);
  auto again = s.request(bhttp::verb::get, "/web/js/api.js", "", "", {{"If-None-Match", etag}});
  CHECK(again.result() == bhttp::status::not_modified);
  CHECK(again.body().empty());
  CHECK(s.request(bhttp::verb::get, "/web/app.css")[bhttp::field::content_type] ==
        "text/css; charset=utf-8");
  auto kinds = s.request(bhttp::verb::get, "/web/js/kinds.js");
  CHECK(kinds.body().find("export const series = {bp: [\"systolic_mmhg\"") != std::string::npos);
  for (const char* missing :
       {"/web/js/nothing.js", "/web/../http/page.cpp", "/web/index.html", "/web/", "/web/js"}) {
    CAPTURE(missing);
    CHECK(s.request(bhttp::verb::get, missing).result() == bhttp::status::not_found);
  }
}

TEST_CASE("http: SSE with Last-Event-ID -> exactly the missed alerts in order, then live") {
  Served s;
  auto ids = s.add_alerts({1, 2, 3});
  SseReader sse(s.port, "/api/v1/stream", std::to_string(ids[0]), s.token);
  auto replayed = sse.ids(2);
  REQUIRE(replayed.size() == 2);
  CHECK(replayed[0] == std::to_string(ids[1]));
  CHECK(replayed[1] == std::to_string(ids[2]));
  auto live = s.add_alerts({4});
  auto all = sse.ids(3);
  REQUIRE(all.size() == 3);
  CHECK(all[2] == std::to_string(live[0]));
  CHECK(sse.text.find("event: alert\ndata: {") != std::string::npos);
  CHECK(sse.text.find("text/event-stream") != std::string::npos);
}

TEST_CASE("http: SSE header and query both -> the header wins (browser reconnect)") {
  Served s;
  auto ids = s.add_alerts({1, 2, 3});
  SseReader sse(s.port, "/api/v1/stream?last_event_id=0", std::to_string(ids[1]), s.token);
  auto replayed = sse.ids(1);
  REQUIRE(replayed.size() == 1);
  CHECK(replayed[0] == std::to_string(ids[2]));
  auto live = s.add_alerts({4});
  auto all = sse.ids(2);
  REQUIRE(all.size() == 2);
  CHECK(all[1] == std::to_string(live[0]));
}

TEST_CASE("http: SSE ?last_event_id=0 -> every alert replayed") {
  Served s;
  s.add_alerts({1, 2});
  SseReader sse(s.port, "/api/v1/stream?last_event_id=0", "", s.token);
  CHECK(sse.ids(2).size() == 2);
}

TEST_CASE("SseHub: subscriber that never drains -> overflowed, queue bounded") {
  asio::io_context io;
  http::SseHub hub(io);
  auto sub = hub.subscribe();
  store::StoredAlert alert;
  for (std::size_t i = 0; i <= http::kMaxQueuedEvents; ++i) {
    alert.event_id = static_cast<std::int64_t>(i + 1);
    hub.publish({alert});
  }
  CHECK(sub->overflowed);
  CHECK(sub->frames.size() <= http::kMaxQueuedEvents);
}

TEST_CASE("parse_listen: HOST:PORT -> parts, bad port -> kConfig") {
  auto ok = http::parse_listen("127.0.0.1:0");
  REQUIRE(ok.has_value());
  CHECK(ok->first == "127.0.0.1");
  CHECK(ok->second == 0);
  CHECK_FALSE(http::parse_listen("127.0.0.1:notaport").has_value());
  CHECK_FALSE(http::parse_listen("127.0.0.1:70000").has_value());
  CHECK_FALSE(http::parse_listen("nocolon").has_value());
}

TEST_CASE("http: body over 64 KiB -> 413, header over 8 KiB -> 431, JSON error (issue 17)") {
  Served s;
  auto big = s.request(bhttp::verb::post, "/api/v1/patients", std::nullopt,
                       "{\"x\":\"" + std::string(70 * 1024, 'a') + "\"}");
  CHECK(big.result() == bhttp::status::payload_too_large);
  CHECK(boost::json::parse(big.body()).at("error").as_string() == "request body over 65536 bytes");
  auto tall = s.request(bhttp::verb::get, "/api/v1/alerts", std::string(9 * 1024, 'x'));
  CHECK(tall.result() == bhttp::status::request_header_fields_too_large);
  CHECK(boost::json::parse(tall.body()).as_object().contains("error"));
  // The server goes on serving.
  CHECK(s.request(bhttp::verb::get, "/api/v1/alerts").result() == bhttp::status::ok);
}
