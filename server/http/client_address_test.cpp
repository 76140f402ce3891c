#include "server/http/client_address.h"

#include <doctest/doctest.h>

using namespace kotona::server::http;
namespace ip = boost::asio::ip;

namespace {

std::string client(const char* peer, std::string_view forwarded, const char* trusted) {
  auto proxies = TrustedProxies::parse(trusted);
  REQUIRE(proxies.has_value());
  return client_address(ip::make_address(peer), forwarded, *proxies).address;
}

}  // namespace

TEST_CASE("trusted proxies: addresses and networks, v4 and v6, a bad entry -> kConfig naming it") {
  auto ok = TrustedProxies::parse(" 127.0.0.1, 10.0.0.0/8 ,::1, fd00::/8");
  REQUIRE(ok.has_value());
  CHECK(ok->contains(ip::make_address("10.200.3.4")));
  CHECK(ok->contains(ip::make_address("::ffff:10.1.1.1")));  // v4-mapped
  CHECK(ok->contains(ip::make_address("fd12::1")));
  CHECK_FALSE(ok->contains(ip::make_address("11.0.0.1")));
  CHECK_FALSE(ok->contains(ip::make_address("::2")));
  CHECK(TrustedProxies::parse("").value().empty());
  for (const char* bad : {"proxy.example", "10.0.0.0/33", "10.0.0.0/", "::1/129", "1.2.3.4/x"}) {
    auto r = TrustedProxies::parse(bad);
    CAPTURE(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().detail.find(bad) != std::string::npos);
  }
}

TEST_CASE(
    "client address: X-Forwarded-For believed only from a trusted proxy, walked from the right") {
  // No trusted proxy: the peer, whatever the header says.
  CHECK(client("127.0.0.1", "198.51.100.7", "") == "127.0.0.1");
  // The peer is not trusted: its claim is ignored.
  CHECK(client("192.0.2.1", "198.51.100.7", "127.0.0.1") == "192.0.2.1");
  // One proxy: the entry it appended.
  CHECK(client("127.0.0.1", "198.51.100.7", "127.0.0.1") == "198.51.100.7");
  // The client sent its own forged entry in front: the proxy's appended one still wins.
  CHECK(client("127.0.0.1", "6.6.6.6, 198.51.100.7", "127.0.0.1") == "198.51.100.7");
  // Two trusted hops: past both.
  CHECK(client("127.0.0.1", "198.51.100.7, 10.0.0.5", "127.0.0.1, 10.0.0.0/8") == "198.51.100.7");
  // A trusted proxy without the header: the proxy itself.
  CHECK(client("127.0.0.1", "", "127.0.0.1") == "127.0.0.1");
  // Garbage from a trusted hop: the nearest good address, flagged.
  auto proxies = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8").value();
  auto bad = client_address(ip::make_address("127.0.0.1"), "198.51.100.7, junk, 10.0.0.5", proxies);
  CHECK(bad.address == "10.0.0.5");
  CHECK(bad.malformed);
}
