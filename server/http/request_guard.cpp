#include "server/http/request_guard.h"

#include <algorithm>
#include <cctype>

#include "core/log.h"
#include "server/http/routes.h"

namespace kotona::server::http {

namespace http = boost::beast::http;

namespace {


std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "Name:8080" -> "name"; "[::1]:8080" -> "::1". Empty for an empty or malformed authority.
std::string host_of(std::string_view authority) {
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    return close == std::string_view::npos ? "" : lower(authority.substr(1, close - 1));
  }
  return lower(authority.substr(0, authority.find(':')));
}

bool is_public(std::string_view authority, const std::vector<std::string>& names) {
  const std::string host = host_of(authority);
  return !host.empty() &&
         std::any_of(names.begin(), names.end(), [&](const auto& n) { return lower(n) == host; });
}

Response refuse(const Request& req, http::status status, const char* counter, const char* why,
                Counters& counters) {
  counters.add(counter);
  log_warn("http", std::string("refused ") + std::to_string(static_cast<int>(status)) + " " +
                       std::string(req.method_string()) + ": " + why);
  Request plain = req;  // the answer closes the connection: the client is not ours
  plain.keep_alive(false);
  return json_error(plain, status, why, counters);
}

}  // namespace

std::vector<std::string> default_public_names() { return {"127.0.0.1", "localhost", "::1"}; }

std::optional<Response> guard_request(const Request& req,
                                      const std::vector<std::string>& public_names,
                                      Counters& counters) {
  auto host = req.find(http::field::host);
  if (host == req.end() || !is_public(host->value(), public_names)) {
    return refuse(req, http::status::misdirected_request, "http_bad_host", "unknown Host",
                  counters);
  }
  const auto verb = req.method();
  if (verb == http::verb::get || verb == http::verb::head || verb == http::verb::options) {
    return std::nullopt;
  }
  std::string_view target(req.target().data(), req.target().size());
  const bool login = target.substr(0, target.find('?')) == kLoginPath;
  auto type = req.find(http::field::content_type);
  const bool json = type != req.end() && lower(type->value()).starts_with("application/json");
  if ((login || !req.body().empty()) && !json) {
    return refuse(req, http::status::unsupported_media_type, "http_bad_content_type",
                  "Content-Type must be application/json", counters);
  }
  auto origin = req.find(http::field::origin);
  if (origin != req.end()) {
    std::string_view o = origin->value();
    auto scheme_end = o.find("://");
    if (scheme_end == std::string_view::npos ||
        !is_public(o.substr(scheme_end + 3), public_names)) {
      return refuse(req, http::status::forbidden, "http_cross_origin",
                    "cross-origin request refused", counters);
    }
  }
  return std::nullopt;
}

}  // namespace kotona::server::http
