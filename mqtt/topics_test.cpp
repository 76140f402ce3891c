#include "mqtt/topics.h"

#include <doctest/doctest.h>

namespace kotona::mqtt_link {

TEST_CASE("topics: the hub's three topics and the ingest's filters (docs/contracts.md)") {
  const GatewayId gw{"gw-0001"};
  CHECK(readings_topic(gw) == "kotona/v1/gw/gw-0001/readings");
  CHECK(acks_topic(gw) == "kotona/v1/gw/gw-0001/acks");
  CHECK(status_topic(gw) == "kotona/v1/gw/gw-0001/status");
  CHECK(ingest_filters("") ==
        std::vector<std::string>{"kotona/v1/gw/+/readings", "kotona/v1/gw/+/status"});
  CHECK(ingest_filters("ingest") ==
        std::vector<std::string>{"$share/ingest/kotona/v1/gw/+/readings",
                                 "$share/ingest/kotona/v1/gw/+/status"});
}

TEST_CASE("topics: parse_topic takes readings and status of a valid id, nothing else") {
  auto r = parse_topic("kotona/v1/gw/gw-1/readings");
  REQUIRE(r);
  CHECK(r->gateway.value == "gw-1");
  CHECK(r->kind == TopicKind::kReadings);
  auto s = parse_topic(status_topic(GatewayId{"gw.2"}));
  REQUIRE(s);
  CHECK(s->kind == TopicKind::kStatus);
  for (const char* bad :
       {"kotona/v1/gw/gw-1/acks", "kotona/v1/gw/gw 1/readings", "kotona/v1/gw//readings",
        "kotona/v1/gw/gw-1", "kotona/v2/gw/a/readings", "kotona/v1/gw/gw-1/readings/x", "",
        "$SYS/broker/publish/messages/dropped"}) {
    CHECK_MESSAGE(!parse_topic(bad), bad);
  }
}

}  // namespace kotona::mqtt_link
