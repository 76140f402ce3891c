// The client's address, as throttling (login_throttle.h), token binding (auth.h) and the logs
// see it. The API listens on loopback behind a TLS reverse proxy (docs/security.md), so the
// peer is usually the proxy: its X-Forwarded-For is believed only when the operator named it in
// `http_trusted_proxies`. From any other peer the header is the client's own claim and ignored,
// so a client cannot pick a fresh address per login attempt. Pure; thread-compatible.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kotona::server::http {

class TrustedProxies {
 public:
  // From "ADDR[/PREFIX], ..." (IPv4 or IPv6). Errors: kConfig naming the bad entry.
  [[nodiscard]] static Result<TrustedProxies> parse(std::string_view list);
  bool contains(const boost::asio::ip::address& address) const;
  bool empty() const { return v4_.empty() && v6_.empty(); }
  // Adds `other`'s networks (config lines add up, as `http_public_names` lines do).
  void add(const TrustedProxies& other) {
    v4_.insert(v4_.end(), other.v4_.begin(), other.v4_.end());
    v6_.insert(v6_.end(), other.v6_.begin(), other.v6_.end());
  }

 private:
  std::vector<boost::asio::ip::network_v4> v4_;
  std::vector<boost::asio::ip::network_v6> v6_;
};

struct ClientAddress {
  std::string address;
  // A trusted proxy sent an entry that is not an address: the nearest good hop is used and
  // the request is counted (`http_forwarded_malformed`).
  bool malformed = false;
};

// `forwarded`: every X-Forwarded-For value of the request joined by ','. Walks it from the
// right (the proxies append) past trusted proxies; the first other address is the client.
ClientAddress client_address(const boost::asio::ip::address& peer, std::string_view forwarded,
                             const TrustedProxies& trusted);

}  // namespace kotona::server::http
