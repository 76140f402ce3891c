#include "server/config.h"

#include <doctest/doctest.h>

using namespace kotona;
using namespace kotona::server;

namespace {
Result<ServerConfig> parse(const std::string& text) {
  auto file = ConfigFile::parse(text, "server.conf");
  REQUIRE(file.has_value());
  return parse_server_config(*file);
}
std::string error_of(const std::string& text) {
  auto r = parse(text);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == Errc::kConfig);
  return r.error().detail;
}
}  // namespace

TEST_CASE("parse_server_config: minimal file -> defaults from docs/contracts.md") {
  auto c = parse("mqtt_uri = tcp://127.0.0.1:1883\ndb_path = s.db\n");
  REQUIRE(c.has_value());
  CHECK(c->mqtt_client_id == "kotona-ingest-1");
  CHECK(c->http_host == "127.0.0.1");
  CHECK(c->http_port == 8080);
  CHECK(c->enrolment.empty());
}

TEST_CASE("parse_server_config: full file -> every value, enrol lines in order") {
  auto c = parse(
      "mqtt_uri = tcp://h:1\nmqtt_client_id = ingest-2\ndb_path = /x/s.db\n"
      "http_listen = 0.0.0.0:0\nenrol = gw-1 BP1 patient-1\nenrol = gw-1 BP2 p2\n");
  REQUIRE(c.has_value());
  CHECK(c->mqtt_client_id == "ingest-2");
  CHECK(c->http_host == "0.0.0.0");
  CHECK(c->http_port == 0);
  REQUIRE(c->enrolment.size() == 2);
  CHECK(c->enrolment[1].device_serial.value == "BP2");
  CHECK(c->enrolment[1].patient.value == "p2");
}

TEST_CASE("parse_server_config: missing db_path -> error naming db_path") {
  CHECK(error_of("mqtt_uri = tcp://h:1\n").find("db_path") != std::string::npos);
}

TEST_CASE("parse_server_config: unknown key -> error naming key and line") {
  auto e = error_of("mqtt_uri = tcp://h:1\ndb_path = x\nfavourite = 7\n");
  CHECK(e.find("favourite") != std::string::npos);
  CHECK(e.find(":3") != std::string::npos);
}

TEST_CASE("parse_server_config: bad http_listen port -> error naming http_listen") {
  CHECK(error_of("mqtt_uri = tcp://h:1\ndb_path = x\nhttp_listen = 127.0.0.1:notaport\n")
            .find("http_listen") != std::string::npos);
}

TEST_CASE("parse_server_config: enrol with two words or a bad id -> error naming enrol") {
  CHECK(error_of("mqtt_uri = a\ndb_path = x\nenrol = gw-1 BP1\n").find("enrol") !=
        std::string::npos);
  CHECK(error_of("mqtt_uri = a\ndb_path = x\nenrol = gw/1 BP1 p1\n").find("gw/1") !=
        std::string::npos);
}

TEST_CASE("parse_server_config: rule lines -> per-patient RuleConfig, defaults elsewhere") {
  auto c = parse(
      "mqtt_uri = tcp://127.0.0.1:1883\ndb_path = s.db\n"
      "rule = patient-1 inr_target_low=3.2 inr_target_high=4.0\n"
      "rule = patient-1 spo2_low_percent=88\n");
  REQUIRE(c.has_value());
  REQUIRE(c->rules.size() == 1);
  const auto& r = c->rules.at("patient-1");
  CHECK(r.inr_target_low == 3.2);
  CHECK(r.inr_target_high == 4.0);
  CHECK(r.spo2_low_percent == 88);
  CHECK(r.glucose_hyper_mmol_l == alerts::RuleConfig{}.glucose_hyper_mmol_l);
}

TEST_CASE("parse_server_config: bad rule lines -> error naming file, line and problem") {
  const std::string head = "mqtt_uri = tcp://127.0.0.1:1883\ndb_path = s.db\n";
  CHECK(error_of(head + "rule = patient-1 inr_high=3\n").find("server.conf:3: 'rule'") !=
        std::string::npos);
  CHECK(error_of(head + "rule = patient-1 inr_high=3\n").find("unknown rule setting: inr_high") !=
        std::string::npos);
  CHECK(error_of(head + "rule = patient-1 spo2_low_percent=x\n").find("not a non-negative number") !=
        std::string::npos);
  CHECK(error_of(head + "rule = patient-1\n").find("no rule settings given") != std::string::npos);
  CHECK(error_of(head + "rule = patient-1 inr_target_low=3.5\n").find("INR limits") !=
        std::string::npos);
  CHECK(error_of(head + "rule = p/1 spo2_low_percent=88\n").find("'p/1'") != std::string::npos);
}

TEST_CASE("parse_server_config: technical alert keys and expect lines") {
  auto c = parse(
      "mqtt_uri = tcp://127.0.0.1:1883\ndb_path = s.db\ngateway_silent_after_s = 120\n"
      "outbox_backlog_rows = 50\noutbox_backlog_age_s = 600\ntechnical_check_ms = 500\n"
      "expect = gw-1 INR1 7d\nexpect = gw-1 BP1 36h\nexpect = gw-2 X 90min\n");
  REQUIRE(c.has_value());
  CHECK(c->technical.gateway_silent_after == std::chrono::seconds(120));
  CHECK(c->technical.outbox_backlog_rows == 50);
  CHECK(c->technical.outbox_backlog_age == std::chrono::seconds(600));
  CHECK(c->technical_check_interval == std::chrono::milliseconds(500));
  REQUIRE(c->expectations.size() == 3);
  CHECK(c->expectations[0].every == std::chrono::hours(24 * 7));
  CHECK(c->expectations[1].every == std::chrono::hours(36));
  CHECK(c->expectations[2].every == std::chrono::minutes(90));
  auto d = parse("mqtt_uri = tcp://127.0.0.1:1883\ndb_path = s.db\n");
  REQUIRE(d.has_value());
  CHECK(d->technical.gateway_silent_after == std::chrono::seconds(300));
  CHECK(d->expectations.empty());
}

TEST_CASE("parse_server_config: bad expect / technical values -> error naming the line") {
  const std::string head = "mqtt_uri = tcp://127.0.0.1:1883\ndb_path = s.db\n";
  for (const char* bad : {"expect = gw-1 INR1\n", "expect = gw-1 INR1 7\n",
                          "expect = gw-1 INR1 7y\n", "expect = gw-1 INR1 0h\n",
                          "expect = gw/1 INR1 7d\n", "expect = gw-1 INR1 7d extra\n"}) {
    CAPTURE(bad);
    CHECK(error_of(head + bad).find("server.conf:3: 'expect' must be") != std::string::npos);
  }
  CHECK(error_of(head + "gateway_silent_after_s = 0\n").find("gateway_silent_after_s") !=
        std::string::npos);
  CHECK(error_of(head + "technical_check_ms = abc\n").find("technical_check_ms") !=
        std::string::npos);
}

TEST_CASE("parse_server_config: due lines, bad kind or period -> error naming the line") {
  const std::string head = "mqtt_uri = tcp://127.0.0.1:1883\ndb_path = s.db\n";
  auto c = parse(head + "due = patient-1 inr 7d\ndue = patient-2 weight 1d\n");
  REQUIRE(c.has_value());
  REQUIRE(c->due.size() == 2);
  CHECK(c->due[0].kind == "inr");
  CHECK(c->due[0].every == std::chrono::hours(24 * 7));
  for (const char* bad : {"due = patient-1 cholesterol 7d\n", "due = patient-1 inr\n",
                          "due = patient-1 inr 7w\n"}) {
    CAPTURE(bad);
    CHECK(error_of(head + bad).find("server.conf:3: 'due' must be") != std::string::npos);
  }
}

TEST_CASE("parse_server_config: escalation keys -> policy, out of range -> kConfig naming key") {
  auto d = parse("mqtt_uri = tcp://h:1\ndb_path = s.db\n");
  REQUIRE(d.has_value());
  CHECK(d->escalation.high_after == std::chrono::seconds(900));
  CHECK(d->escalation.medium_after == std::chrono::seconds(0));
  CHECK(d->escalation.max_tier == 2);
  auto c = parse(
      "mqtt_uri = tcp://h:1\ndb_path = s.db\nescalate_after_s = 120\n"
      "escalate_medium_after_s = 3600\nescalate_max_tier = 3\nescalation_check_ms = 250\n");
  REQUIRE(c.has_value());
  CHECK(c->escalation.high_after == std::chrono::seconds(120));
  CHECK(c->escalation.medium_after == std::chrono::seconds(3600));
  CHECK(c->escalation.max_tier == 3);
  CHECK(c->escalation_check_interval == std::chrono::milliseconds(250));
  CHECK(error_of("mqtt_uri = tcp://h:1\ndb_path = s.db\nescalate_after_s = -1\n")
            .find("escalate_after_s") != std::string::npos);
  CHECK(error_of("mqtt_uri = tcp://h:1\ndb_path = s.db\nescalate_max_tier = 0\n")
            .find("escalate_max_tier") != std::string::npos);
}

TEST_CASE("parse_server_config: TLS keys and share group -> all three with ssl:// or an error") {
  std::string tls = "mqtt_uri = ssl://broker:8883\ndb_path = s.db\n";
  CHECK(error_of(tls).find("tls_ca, tls_cert and tls_key") != std::string::npos);
  auto c = parse(tls + "tls_ca = /ca\ntls_cert = /c\ntls_key = /k\nmqtt_share_group = none\n");
  REQUIRE(c.has_value());
  CHECK(c->tls_cert == "/c");
  CHECK(c->mqtt_share_group.empty());
  CHECK(error_of("mqtt_uri = tcp://h:1\ndb_path = s.db\ntls_ca = /ca\n").find("not ssl://") !=
        std::string::npos);
  CHECK(parse("mqtt_uri = tcp://h:1\ndb_path = s.db\n")->mqtt_share_group == "ingest");
}

TEST_CASE("parse_server_config: sse_poll_ms -> 500 on PostgreSQL, off on SQLite, bounded") {
  CHECK(parse("mqtt_uri = tcp://h:1\ndb_path = s.db\n")->sse_poll_interval.count() == 0);
  CHECK(parse("mqtt_uri = tcp://h:1\ndb_path = postgresql:///k?host=/tmp\n")
            ->sse_poll_interval.count() == 500);
  CHECK(parse("mqtt_uri = tcp://h:1\ndb_path = postgresql:///k\nsse_poll_ms = 0\n")
            ->sse_poll_interval.count() == 0);
  CHECK(parse("mqtt_uri = tcp://h:1\ndb_path = s.db\nsse_poll_ms = 200\n")
            ->sse_poll_interval.count() == 200);
  CHECK(error_of("mqtt_uri = tcp://h:1\ndb_path = s.db\nsse_poll_ms = -5\n").find("sse_poll_ms") !=
        std::string::npos);
}

TEST_CASE("parse_server_config: http_public_names -> defaults + listen host + names, bad -> error") {
  auto c = parse("mqtt_uri = tcp://127.0.0.1:1883\ndb_path = s.db\nhttp_listen = 127.0.0.2:8080\n"
                 "http_public_names = kotona.example.fi, Kotona-2.example.fi\n");
  REQUIRE(c.has_value());
  CHECK(c->http_public_names == std::vector<std::string>{"127.0.0.1", "localhost", "::1",
                                                         "127.0.0.2", "kotona.example.fi",
                                                         "Kotona-2.example.fi"});
  for (const char* bad : {"https://kotona.example.fi", "kotona.example.fi:443", "a,,b", ""}) {
    CAPTURE(bad);
    auto e = parse(std::string("mqtt_uri = tcp://h:1\ndb_path = s.db\nhttp_public_names = ") +
                   bad + "\n");
    REQUIRE_FALSE(e.has_value());
    CHECK(e.error().detail.find("http_public_names") != std::string::npos);
  }
}

TEST_CASE("parse_server_config: http_trusted_proxies and session keys -> set, bad -> error") {
  auto d = parse("mqtt_uri = tcp://h:1\ndb_path = s.db\n");
  REQUIRE(d.has_value());
  CHECK(d->http_trusted_proxies.empty());
  auto c = parse(
      "mqtt_uri = tcp://h:1\ndb_path = s.db\nhttp_trusted_proxies = 127.0.0.1, fd00::/8\n"
      "session_idle_s = 900\nsession_bind_address = on\n");
  REQUIRE(c.has_value());
  CHECK(c->http_trusted_proxies.contains(boost::asio::ip::make_address("fd00::5")));
  CHECK(c->auth.token_idle == std::chrono::seconds(900));
  auto two = parse("mqtt_uri = tcp://h:1\ndb_path = s.db\nhttp_trusted_proxies = 10.0.0.1\n"
                   "http_trusted_proxies = 10.0.0.2\n");  // lines add up
  REQUIRE(two.has_value());
  CHECK(two->http_trusted_proxies.contains(boost::asio::ip::make_address("10.0.0.1")));
  CHECK(two->http_trusted_proxies.contains(boost::asio::ip::make_address("10.0.0.2")));
  auto e = error_of("mqtt_uri = tcp://h:1\ndb_path = s.db\nhttp_trusted_proxies = proxy.lan\n");
  CHECK(e.find(":3: 'http_trusted_proxies': 'proxy.lan' is not an IP address") !=
        std::string::npos);
}

TEST_CASE("parse_server_config: clinician API limits -> defaults, values, out of range -> error") {
  auto d = parse("mqtt_uri = tcp://h:1\ndb_path = s.db\n");
  REQUIRE(d.has_value());
  CHECK(d->login_hashing.threads == 2);
  CHECK(d->login_hashing.max_pending == 64);
  CHECK(d->http_max_connections == 512);
  CHECK(d->sse_max_streams_per_user == 8);
  auto c = parse(
      "mqtt_uri = tcp://h:1\ndb_path = s.db\nlogin_hash_threads = 1\n"
      "login_queue_max = 8\n");
  REQUIRE(c.has_value());
  CHECK(c->login_hashing.threads == 1);
  CHECK(c->login_hashing.max_pending == 8);
  for (const char* bad : {"login_hash_threads = 0", "login_queue_max = 0", "sse_max_streams = 0",
                          "login_delay_max_ms = -1"}) {
    CAPTURE(bad);
    auto e = parse(std::string("mqtt_uri = tcp://h:1\ndb_path = s.db\n") + bad + "\n");
    REQUIRE_FALSE(e.has_value());
  }
}
