#include "gateway/enrol/https_post.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace kotona::gateway::enrol {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct Url {
  std::string host, port, target;
};

Url split(const std::string& url) {
  std::string rest = url.substr(std::string_view("https://").size());
  const auto slash = rest.find('/');
  Url out;
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  std::string authority = rest.substr(0, slash);
  const auto colon = authority.rfind(':');
  out.host = colon == std::string::npos ? authority : authority.substr(0, colon);
  out.port = colon == std::string::npos ? "443" : authority.substr(colon + 1);
  return out;
}

asio::awaitable<HttpsAnswer> exchange(asio::io_context& io, Url url, std::string ca_file,
                                      std::string body, std::chrono::milliseconds timeout) {
  HttpsAnswer out;
  ssl::context tls(ssl::context::tls_client);
  tls.set_options(ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                  ssl::context::no_tlsv1_1);
  beast::error_code ec;
  if (ca_file.empty()) {
    tls.set_default_verify_paths(ec);
  } else {
    tls.load_verify_file(ca_file, ec);
  }
  if (ec) {
    out.error = "cannot load CA " + ca_file + ": " + ec.message();
    co_return out;
  }
  tls.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(io, tls);
  stream.set_verify_callback(ssl::host_name_verification(url.host));
  SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str());
  tcp::resolver resolver(io);
  auto [rec, endpoints] = co_await resolver.async_resolve(url.host, url.port, kTuple);
  if (rec) {
    out.error = "resolve " + url.host + ": " + rec.message();
    co_return out;
  }
  beast::get_lowest_layer(stream).expires_after(timeout);
  auto [cec, ep] = co_await beast::get_lowest_layer(stream).async_connect(endpoints, kTuple);
  if (cec) {
    out.error = "connect: " + cec.message();
    co_return out;
  }
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, kTuple);
  if (hec) {
    out.error = "TLS: " + hec.message();
    co_return out;
  }
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, url.target, 11};
  req.set(bhttp::field::host, url.host);
  req.set(bhttp::field::content_type, "application/json");
  req.set(bhttp::field::user_agent, "kotona-hub");
  req.keep_alive(false);
  req.body() = std::move(body);
  req.prepare_payload();
  auto [wec, wn] = co_await bhttp::async_write(stream, req, kTuple);
  if (wec) {
    out.error = "write: " + wec.message();
    co_return out;
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(256 * 1024);
  auto [rdec, rn] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
  if (rdec) {
    out.error = "read: " + rdec.message();
    co_return out;
  }
  out.status = parser.get().result_int();
  out.body = parser.get().body();
  out.retry_after = std::string(parser.get()[bhttp::field::retry_after]);
  co_return out;
}

}  // namespace

void https_post_json(asio::io_context& io, const std::string& url, const std::string& ca_file,
                     std::string body, std::chrono::milliseconds timeout,
                     std::function<void(HttpsAnswer)> done) {
  asio::co_spawn(io, exchange(io, split(url), ca_file, std::move(body), timeout),
                 [done = std::move(done)](std::exception_ptr e, HttpsAnswer answer) {
                   if (e) answer.error = "exception";
                   done(std::move(answer));
                 });
}

}  // namespace kotona::gateway::enrol
