// One blocking HTTP/1.1 request to the Kotona API (Boost.Beast), with a timeout on connect,
// write and read. Only http:// URLs (the API listens on loopback; a TLS proxy is the
// operator's). Not thread-safe; one call at a time.
#pragma once

#include <chrono>
#include <string>

#include "core/result.h"

namespace kotona::admin {

struct HttpReply {
  int status = 0;
  std::string body;
};

struct HttpTarget {
  std::string host;
  std::string port;
  std::string path_prefix;  // "" or "/kotona" when the API sits under a path
};

// "http://HOST[:PORT][/PREFIX]" -> its parts (port 80 when absent). Errors: kMalformed.
[[nodiscard]] Result<HttpTarget> parse_url(const std::string& url);

// METHOD prefix+target with an optional bearer token and JSON body. Errors: kIo when the
// server cannot be reached or does not answer within `timeout`.
[[nodiscard]] Result<HttpReply> http_call(const HttpTarget& server, const std::string& method,
                                          const std::string& target, const std::string& token,
                                          const std::string& body,
                                          std::chrono::seconds timeout = std::chrono::seconds(15));

}  // namespace kotona::admin
