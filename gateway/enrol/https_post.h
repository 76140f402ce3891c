// One HTTPS POST of a JSON body from the hub (enrolment's only network call), on the hub's
// io_context: resolve, connect, TLS 1.2+ with the server's certificate checked against
// `ca_file` (or the system's roots when empty) and its host name, write, read; each step
// bounded by `timeout`. The callback runs once, on the io thread. Not thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace kotona::gateway::enrol {

struct HttpsAnswer {
  int status = 0;  // 0: no answer; `error` says why (resolve, connect, TLS, timeout)
  std::string body;
  std::string error;
  std::string retry_after = {};  // the Retry-After header as sent ("" = none)
};

// REQUIRES: url starts with https:// (enrol_config checks it).
void https_post_json(boost::asio::io_context& io, const std::string& url,
                     const std::string& ca_file, std::string body,
                     std::chrono::milliseconds timeout, std::function<void(HttpsAnswer)> done);

}  // namespace kotona::gateway::enrol
