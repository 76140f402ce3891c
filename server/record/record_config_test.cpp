// The record_* keys (issue 19 part 2): off without an endpoint, defaults, refusals.
#include "server/record/record_config.h"

#include <doctest/doctest.h>

using namespace kotona;
using namespace kotona::server::record;

namespace {

Result<RecordConfig> parse(const std::string& text) {
  auto file = ConfigFile::parse(text, "test.conf");
  REQUIRE(file.has_value());
  return parse_record_config(*file, "kotona-ingest-1");
}

}  // namespace

TEST_CASE("record config: off without record_endpoint, on with it") {
  auto off = parse("");
  REQUIRE(off.has_value());
  CHECK_FALSE(off->enabled());
  auto on = parse(
      "record_endpoint = http://127.0.0.1:8090/fhir\nrecord_batch_max = 20\n"
      "record_unreachable_after_s = 60\n");
  REQUIRE(on.has_value());
  CHECK(on->enabled());
  CHECK(on->batch_max == 20);
  CHECK(on->instance == "kotona-ingest-1");
  CHECK(on->unreachable_after == std::chrono::seconds(60));
  auto endpoint = parse_endpoint(on->endpoint);
  REQUIRE(endpoint.has_value());
  CHECK(endpoint->host == "127.0.0.1");
  CHECK(endpoint->port == "8090");
  CHECK(endpoint->path == "/fhir");
  CHECK_FALSE(endpoint->tls);
}

TEST_CASE("record config: refusals name the key") {
  const char* bad[] = {
      "record_endpoint = ftp://x/\n",
      "record_endpoint = http://:80/\n",
      "record_endpoint = https://phr.example/fhir\n",  // no CA
      "record_endpoint = http://x/\nrecord_tls_ca = /etc/ca.pem\n",
      "record_endpoint = https://x/\nrecord_tls_ca = /ca.pem\nrecord_tls_cert = /c.pem\n",
      "record_endpoint = http://x/\nrecord_lease_s = 5\nrecord_timeout_ms = 10000\n",
      "record_endpoint = http://x/\nrecord_batch_max = 0\n",
      "record_tls_ca = /etc/ca.pem\n",
  };
  for (const char* text : bad) {
    auto r = parse(text);
    CHECK_MESSAGE(!r.has_value(), text);
    if (!r) CHECK_MESSAGE(r.error().detail.find("record_") != std::string::npos, r.error().detail);
  }
  auto mtls = parse(
      "record_endpoint = https://phr.example:8443/fhir\nrecord_tls_ca = /ca.pem\n"
      "record_tls_cert = /c.pem\nrecord_tls_key = /k.pem\n");
  REQUIRE(mtls.has_value());
  CHECK(parse_endpoint(mtls->endpoint)->tls);
}
