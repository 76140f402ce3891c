// Invariant 12: garbage on the serial line, corrupted frames, undecodable MQTT payloads and
// bad config files each get a clear error and a counter, and never cost a good reading.
#include <doctest/doctest.h>

#include <fstream>

#include "tests/integration/system.h"

using namespace kotona::test;
using namespace std::chrono_literals;

TEST_CASE("serial garbage and bad checksums -> counted, every good reading still stored") {
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({"BPSIM0001"});
  sys.start_device({"BPSIM0001",
                    {"garbage", "64", "measure", "121/79/61", "bad-checksum", "measure",
                     "131/85/70", "garbage", "17", "measure", "190/100/70"},
                    {}});
  sys.start_gateway();
  REQUIRE_MESSAGE(eventually([&] { return sys.server_reading_uids().size() == 3; }, 30s),
                  sys.diagnostics());
  CHECK(eventually([&] { return sys.get_json_array("/api/v1/alerts").size() == 1; }, 10s));
  CHECK(sys.ledger_uids().size() == 3);
}

TEST_CASE("undecodable MQTT payload on a readings topic -> counted, next good reading stored") {
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({"BPSIM0001"});
  Child pub({"mosquitto_pub", "-p", std::to_string(sys.broker().port()), "-q", "1", "-t",
             "kotona/v1/gw/" + sys.gateway_id() + "/readings", "-m", "this is not protobuf \x01\x02"},
            sys.dir() / "pub.log");
  REQUIRE(eventually([&] { return !pub.running(); }, 10s));
  REQUIRE_MESSAGE(eventually(
                      [&] {
                        auto m = http_get(sys.http_port(), "/metrics");
                        return m && m->body.find("mqtt_bad_payload 1") != std::string::npos;
                      },
                      10s),
                  sys.diagnostics());
  sys.start_device({"BPSIM0001", {"measure", "140/90/70"}, {}});
  sys.start_gateway();
  CHECK_MESSAGE(eventually([&] { return sys.server_reading_uids().size() == 1; }, 30s),
                sys.diagnostics());
}

TEST_CASE("bad config files -> one clear line and exit 2, for gateway and server") {
  TempDir dir;
  struct Case {
    std::string binary, text, expect;
  };
  std::vector<Case> cases{
      {"gateway/kotona-gateway", "mqtt_uri = tcp://127.0.0.1:1\noutbox_path = x.db\n",
       "gateway_id"},
      {"gateway/kotona-gateway",
       "gateway_id = bad/id\nmqtt_uri = tcp://127.0.0.1:1\noutbox_path = x.db\n", "gateway_id"},
      {"gateway/kotona-gateway",
       "gateway_id = gw-1\nmqtt_uri = tcp://127.0.0.1:1\noutbox_path = x.db\ndevice = nosuch "
       "/dev/x\n",
       "nosuch"},
      {"gateway/kotona-gateway", "gateway_id = gw-1\nthis line has no equals sign\n", ":2"},
      {"server/kotona-server", "mqtt_uri = tcp://127.0.0.1:1\n", "db_path"},
      {"server/kotona-server",
       "mqtt_uri = tcp://127.0.0.1:1\ndb_path = x.db\nhttp_listen = 127.0.0.1:notaport\n",
       "http_listen"},
      {"server/kotona-server", "mqtt_uri = tcp://127.0.0.1:1\ndb_path = x.db\nfavourite = 7\n",
       "favourite"},
      // The record push's OAuth2 (issue 19): a missing key, a key file that cannot be read.
      {"server/kotona-server",
       "mqtt_uri = tcp://127.0.0.1:1\ndb_path = x.db\nrecord_endpoint = http://127.0.0.1:9/f\n"
       "record_token_endpoint = http://127.0.0.1:9/t\nrecord_jwt_key = k.pem\n"
       "record_jwt_kid = k\n",
       "record_client_id"},
      {"server/kotona-server",
       "mqtt_uri = tcp://127.0.0.1:1\ndb_path = x.db\nrecord_endpoint = http://127.0.0.1:9/f\n"
       "record_token_endpoint = http://127.0.0.1:9/t\nrecord_client_id = c\n"
       "record_jwt_key = /nonexistent/k.pem\nrecord_jwt_kid = k\n",
       "record_jwt_key /nonexistent/k.pem"},
  };
  int n = 0;
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto conf = dir / ("bad" + std::to_string(++n) + ".conf");
    std::ofstream(conf) << c.text;
    Child child({bin(c.binary), "--config", conf.string()}, dir / ("bad" + std::to_string(n) + ".log"));
    REQUIRE(eventually([&] { return !child.running(); }, 10s));
    CHECK(child.stop() == 2);
    CHECK_MESSAGE(child.log_text().find(c.expect) != std::string::npos, child.log_text());
  }
}
