// One HTTP/1.1 POST to the record system (issue 19 part 2), on the server's io_context:
// resolve, connect, TLS (https: the configured CA, optionally this server's client
// certificate: mTLS), write, read, each step bounded by the timeout; one connection per
// request (Connection: close). The callback runs once, on the io thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"
#include "server/record/record_config.h"

namespace kotona::server::record {

struct PostAnswer {
  int status = 0;  // 0: no answer (the reason in `error`)
  std::string body;
  std::optional<std::chrono::seconds> retry_after;  // a 429's or 503's Retry-After (seconds form)
  std::string error;  // set when status == 0: resolve, connect, TLS, timeout, reset
};

using PostDone = std::function<void(PostAnswer)>;

// What a request says besides its body: the FHIR POST's defaults; the token request is a form.
struct PostHeaders {
  std::string content_type = "application/fhir+json";
  std::string accept = "application/fhir+json";
  std::string authorization;  // "Bearer ...", or none
};

// Reused by every request of one sender: the TLS context (CA, client certificate) loaded once.
class Poster {
 public:
  // POSTs to `url` (empty: config.endpoint) with config's timeout and TLS files.
  // Errors: kConfig when a TLS file cannot be loaded or the URL is bad.
  [[nodiscard]] static Result<std::unique_ptr<Poster>> make(boost::asio::io_context& io,
                                                            const RecordConfig& config,
                                                            const std::string& url = "");
  ~Poster();
  Poster(const Poster&) = delete;
  Poster& operator=(const Poster&) = delete;

  // POSTs `body` to the URL's path; `done` gets the answer.
  void post(std::string body, PostDone done, const PostHeaders& headers = {});

 private:
  struct Impl;
  explicit Poster(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kotona::server::record
