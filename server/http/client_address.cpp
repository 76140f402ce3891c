#include "server/http/client_address.h"

namespace kotona::server::http {

namespace ip = boost::asio::ip;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "ADDR" or "ADDR/PREFIX"; a bare address is a network of one.
bool add_network(std::string_view entry, std::vector<ip::network_v4>& v4,
                 std::vector<ip::network_v6>& v6) {
  const std::string text(entry);
  const auto slash = text.find('/');
  boost::system::error_code ec;
  auto address = ip::make_address(text.substr(0, slash), ec);
  if (ec) return false;
  const int max = address.is_v4() ? 32 : 128;
  unsigned short prefix = static_cast<unsigned short>(max);
  if (slash != std::string::npos) {
    const std::string digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      return false;
    }
    const int value = std::stoi(digits);
    if (value > max) return false;
    prefix = static_cast<unsigned short>(value);
  }
  if (address.is_v4()) {
    v4.push_back(ip::make_network_v4(address.to_v4(), prefix).canonical());
  } else {
    v6.push_back(ip::make_network_v6(address.to_v6(), prefix).canonical());
  }
  return true;
}

}  // namespace

Result<TrustedProxies> TrustedProxies::parse(std::string_view list) {
  TrustedProxies out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto entry = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (entry.empty()) continue;
    if (!add_network(entry, out.v4_, out.v6_)) {
      return fail(Errc::kConfig,
                  "'" + std::string(entry) + "' is not an IP address or ADDR/PREFIX network");
    }
  }
  return out;
}

bool TrustedProxies::contains(const ip::address& address) const {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return contains(ip::make_address_v4(ip::v4_mapped, address.to_v6()));
  }
  if (address.is_v4()) {
    const auto host = ip::make_network_v4(address.to_v4(), 32);
    for (const auto& n : v4_) {
      if (host == n || host.is_subnet_of(n)) return true;
    }
    return false;
  }
  const auto host = ip::make_network_v6(address.to_v6(), 128);
  for (const auto& n : v6_) {
    if (host == n || host.is_subnet_of(n)) return true;
  }
  return false;
}

ClientAddress client_address(const ip::address& peer, std::string_view forwarded,
                             const TrustedProxies& trusted) {
  ClientAddress out{peer.to_string(), false};
  if (!trusted.contains(peer)) return out;
  while (!forwarded.empty()) {
    const auto comma = forwarded.rfind(',');
    const auto entry =
        trim(comma == std::string_view::npos ? forwarded : forwarded.substr(comma + 1));
    forwarded = comma == std::string_view::npos ? std::string_view{} : forwarded.substr(0, comma);
    boost::system::error_code ec;
    const auto hop = ip::make_address(std::string(entry), ec);
    if (ec) {
      out.malformed = true;
      return out;
    }
    out.address = hop.to_string();
    if (!trusted.contains(hop)) return out;
  }
  return out;
}

}  // namespace kotona::server::http
