#include "admin/http_call.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace kotona::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

Result<HttpTarget> parse_url(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) {
    return fail(Errc::kMalformed,
                "--url must start with http:// (the API is plain HTTP on "
                "loopback; put kotona-admin on the server's host)");
  }
  std::string rest = url.substr(kScheme.size());
  HttpTarget out;
  auto slash = rest.find('/');
  if (slash != std::string::npos) {
    out.path_prefix = rest.substr(slash);
    while (!out.path_prefix.empty() && out.path_prefix.back() == '/') out.path_prefix.pop_back();
    rest.resize(slash);
  }
  auto colon = rest.rfind(':');
  out.host = colon == std::string::npos ? rest : rest.substr(0, colon);
  out.port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
  bool port_ok = !out.port.empty() && out.port.size() <= 5 &&
                 out.port.find_first_not_of("0123456789") == std::string::npos;
  if (out.host.empty() || !port_ok) return fail(Errc::kMalformed, "--url: bad host or port");
  return out;
}

Result<HttpReply> http_call(const HttpTarget& server, const std::string& method,
                            const std::string& target, const std::string& token,
                            const std::string& body, std::chrono::seconds timeout) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(server.host, server.port, ec);
  if (ec) return fail(Errc::kIo, "cannot resolve " + server.host + ": " + ec.message());
  http::request<http::string_body> req{http::string_to_verb(method), server.path_prefix + target,
                                       11};
  req.set(http::field::host, server.host);
  req.set(http::field::user_agent, "kotona-admin");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  http::response<http::string_body> res;
  beast::flat_buffer buffer;
  // Async operations so that expires_after() bounds each step; run() returns when all end.
  stream.expires_after(timeout);
  stream.async_connect(endpoints, [&](beast::error_code e, const auto&) {
    if (e) {
      ec = e;
      return;
    }
    stream.expires_after(timeout);
    http::async_write(stream, req, [&](beast::error_code we, std::size_t) {
      if (we) {
        ec = we;
        return;
      }
      stream.expires_after(timeout);
      http::async_read(stream, buffer, res, [&](beast::error_code re, std::size_t) { ec = re; });
    });
  });
  io.run();
  if (ec) {
    return fail(Errc::kIo,
                "no answer from http://" + server.host + ":" + server.port + ": " + ec.message());
  }
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  return HttpReply{static_cast<int>(res.result_int()), std::move(res.body())};
}

}  // namespace kotona::admin
