#include "server/http/http_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <map>
#include <optional>

#include "core/log.h"
#include "server/http/client_address.h"
#include "server/http/login.h"
#include "server/http/respond.h"
#include "server/http/routes.h"

namespace kotona::server::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {

constexpr std::string_view kLog = "http";
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t kBodyLimit = 64 * 1024;
constexpr std::uint32_t kHeaderLimit = 8 * 1024;
constexpr int kReplayPage = 500;

constexpr std::string_view kSseHeader =
    "HTTP/1.1 200 OK\r\nServer: kotona-server\r\nContent-Type: text/event-stream\r\n"
    "Cache-Control: no-store\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n";

// 413 / 431 with a JSON error for a request over the limits (issue 17: the connection was
// dropped without an answer); nullopt for other read errors. The connection closes after it.
std::optional<Response> limit_response(beast::error_code ec, Counters& counters) {
  Request req;
  req.version(11);
  req.keep_alive(false);
  if (ec == bhttp::error::body_limit) {
    return json_error(req, bhttp::status::payload_too_large,
                      "request body over " + std::to_string(kBodyLimit) + " bytes", counters);
  }
  if (ec == bhttp::error::header_limit) {
    return json_error(req, bhttp::status::request_header_fields_too_large,
                      "request header over " + std::to_string(kHeaderLimit) + " bytes", counters);
  }
  return std::nullopt;
}

// The whole answer to a connection over max_connections, written before its request is read:
// a cheap, bounded refusal instead of queueing or dropping it.
constexpr std::string_view kBusyResponse =
    "HTTP/1.1 503 Service Unavailable\r\nServer: kotona-server\r\nContent-Type: "
    "application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 37\r\n\r\n"
    "{\"error\":\"too many open connections\"}";

}  // namespace

struct HttpServer::Impl {
  Impl(asio::io_context& io_in, store::Store& store_in, Counters& counters_in, SseHub& hub_in,
       Auth& auth_in, HttpOptions options_in)
      : io(io_in),
        store(store_in),
        counters(counters_in),
        hub(hub_in),
        auth(auth_in),
        options(options_in),
        hash_pool(options_in.login_hashing),
        acceptor(io_in) {}

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> session(tcp::socket socket);
  asio::awaitable<void> answer_read_error(beast::tcp_stream& stream, beast::error_code ec);
  // The client's address for this request (client_address.h).
  std::string client_of(beast::tcp_stream& stream, const Request& request);
  asio::awaitable<bool> serve(beast::tcp_stream& stream, Request request);
  asio::awaitable<void> serve_counted_stream(beast::tcp_stream& stream, StreamGrant grant);
  asio::awaitable<void> refuse_connection(tcp::socket socket);
  // 503 + Retry-After when the stream would pass a cap; nullopt when it may open.
  std::optional<Response> stream_over_cap(const Request& request, const std::string& user);
  asio::awaitable<void> serve_stream(beast::tcp_stream& stream, StreamGrant grant);
  asio::awaitable<bool> replay(beast::tcp_stream& stream, const Principal& who, std::int64_t after,
                               std::int64_t& sent);
  asio::awaitable<bool> write_text(beast::tcp_stream& stream, std::string_view text);
  asio::awaitable<bool> write_streamed(beast::tcp_stream& stream, StreamedResponse& response,
                                       bool head_only);

  asio::io_context& io;
  store::Store& store;
  Counters& counters;
  SseHub& hub;
  Auth& auth;
  HttpOptions options;
  HashPool hash_pool;
  tcp::acceptor acceptor;
  std::set<beast::tcp_stream*> streams;  // open connections, closed by stop()
  std::map<std::string, std::size_t> user_streams;  // open SSE streams per user
  std::size_t sse_streams = 0;
  std::size_t refusing = 0;  // refusals being written (bounded by the write timeout)
  bool stopping = false;
};

asio::awaitable<void> HttpServer::Impl::accept_loop() {
  // After an accept error (EMFILE: out of file descriptors) the loop waits before trying again,
  // 10 ms doubling to 1 s, instead of spinning on the same error (issue 17).
  std::chrono::milliseconds backoff{0};
  asio::steady_timer pause(io);
  while (!stopping) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) co_return;
      counters.add("http_accept_error");
      backoff = std::min(std::chrono::milliseconds{1000},
                         std::max(std::chrono::milliseconds{10}, backoff * 2));
      if (backoff.count() == 10 || backoff.count() == 1000) {
        log_warn(kLog, "accept: " + ec.message() + "; next try in " +
                           std::to_string(backoff.count()) + " ms");
      }
      pause.expires_after(backoff);
      co_await pause.async_wait(kTuple);
      continue;
    }
    backoff = std::chrono::milliseconds{0};
    if (streams.size() + refusing >= options.max_connections) {
      counters.add("http_connections_refused");
      asio::co_spawn(io, refuse_connection(std::move(socket)), asio::detached);
      continue;
    }
    asio::co_spawn(io, session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> HttpServer::Impl::refuse_connection(tcp::socket socket) {
  if (refusing >= options.max_connections) co_return;  // a flood of them: just close
  ++refusing;
  beast::tcp_stream stream(std::move(socket));
  co_await write_text(stream, kBusyResponse);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  --refusing;
}

std::optional<Response> HttpServer::Impl::stream_over_cap(const Request& request,
                                                          const std::string& user) {
  const bool total = sse_streams >= options.max_streams;
  if (!total && user_streams[user] < options.max_streams_per_user) return std::nullopt;
  counters.add("sse_refused_over_cap");
  log_warn(kLog, std::string("refused 503 SSE stream: ") +
                     (total ? "streams in total" : "streams of user=" + user) + " at the cap");
  Request closing = request;
  closing.keep_alive(false);
  auto res = json_error(closing, bhttp::status::service_unavailable,
                        total ? "too many open streams" : "too many open streams for this user",
                        counters);
  res.set(bhttp::field::retry_after, "5");
  return res;
}

asio::awaitable<bool> HttpServer::Impl::write_text(beast::tcp_stream& stream,
                                                   std::string_view text) {
  stream.expires_after(options.write_timeout);
  auto [ec, n] = co_await asio::async_write(stream, asio::buffer(text.data(), text.size()), kTuple);
  co_return !ec;
}

// The header, then each piece as it is produced: the body is never whole in memory (issue 15).
// Other work on the io thread runs between pieces. False when a write failed or timed out.
asio::awaitable<bool> HttpServer::Impl::write_streamed(beast::tcp_stream& stream,
                                                       StreamedResponse& response, bool head_only) {
  bhttp::response_serializer<bhttp::empty_body> header(response.head);
  stream.expires_after(options.write_timeout);
  auto [ec, n] = co_await bhttp::async_write_header(stream, header, kTuple);
  if (ec) co_return false;
  if (head_only) co_return true;
  std::string piece;
  while (response.next(piece)) {
    if (!co_await write_text(stream, piece)) co_return false;
    piece.clear();
  }
  co_return true;
}

// One connection: requests in turn (keep-alive) until the client closes, a read or write
// fails or times out, or an answer ends the connection (an SSE stream, Connection: close).
asio::awaitable<void> HttpServer::Impl::session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  streams.insert(&stream);
  beast::flat_buffer buffer;
  try {
    while (!stopping) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(kBodyLimit);
      parser.header_limit(kHeaderLimit);
      stream.expires_after(options.read_timeout);
      auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
      if (ec) {
        co_await answer_read_error(stream, ec);
        break;
      }
      if (!co_await serve(stream, parser.release())) break;
    }
  } catch (const std::exception& e) {
    counters.add("http_internal_error");
    log_error(kLog, std::string("session: ") + e.what());
  }
  streams.erase(&stream);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream.close();
}

asio::awaitable<void> HttpServer::Impl::answer_read_error(beast::tcp_stream& stream,
                                                          beast::error_code ec) {
  if (ec != bhttp::error::end_of_stream && ec != beast::error::timeout &&
      ec != asio::error::operation_aborted && ec != asio::error::connection_reset) {
    counters.add("http_bad_request");
  }
  if (auto refused = limit_response(ec, counters)) {
    stream.expires_after(options.write_timeout);
    co_await bhttp::async_write(stream, *refused, kTuple);
  }
}

std::string HttpServer::Impl::client_of(beast::tcp_stream& stream, const Request& request) {
  beast::error_code ec;
  auto peer = stream.socket().remote_endpoint(ec);
  if (ec) return "unknown";
  std::string forwarded;
  for (auto [it, end] = request.equal_range("X-Forwarded-For"); it != end; ++it) {
    if (!forwarded.empty()) forwarded += ',';
    forwarded.append(it->value().data(), it->value().size());
  }
  auto client = client_address(peer.address(), forwarded, options.trusted_proxies);
  if (client.malformed) counters.add("http_forwarded_malformed");
  return client.address;
}

// Answers one request; false when the connection ends after it.
asio::awaitable<bool> HttpServer::Impl::serve(beast::tcp_stream& stream, Request request) {
  RouteContext context{store,
                       counters,
                       hub,
                       auth,
                       options.health,
                       &options.public_names,
                       client_of(stream, request),
                       options.record_status,
                       options.gateway_silent_after,
                       options.record_gauges};
  auto routed = dispatch(request, context);
  if (auto* grant = std::get_if<StreamGrant>(&routed)) {
    auto refused = stream_over_cap(request, grant->principal.user);
    if (!refused) {
      co_await serve_counted_stream(stream, std::move(*grant));
      co_return false;
    }
    routed = std::move(*refused);
  }
  if (auto* login = std::get_if<LoginGrant>(&routed)) {
    routed = co_await serve_login(request, std::move(*login), context, hash_pool);
  }
  if (auto* streamed = std::get_if<StreamedResponse>(&routed)) {
    const bool head_only = request.method() == bhttp::verb::head;
    co_return co_await write_streamed(stream, *streamed, head_only) && streamed->head.keep_alive();
  }
  Response response = std::move(std::get<Response>(routed));
  if (request.method() == bhttp::verb::head) response.body().clear();
  stream.expires_after(options.write_timeout);
  auto [wec, wn] = co_await bhttp::async_write(stream, response, kTuple);
  co_return !wec && response.keep_alive();
}

asio::awaitable<void> HttpServer::Impl::serve_counted_stream(beast::tcp_stream& stream,
                                                             StreamGrant grant) {
  const std::string user = grant.principal.user;
  ++sse_streams;
  ++user_streams[user];
  co_await serve_stream(stream, std::move(grant));
  --sse_streams;
  if (--user_streams[user] == 0) user_streams.erase(user);
}

// Writes every stored alert with event_id > after, oldest first; `sent` is the last id written.
asio::awaitable<bool> HttpServer::Impl::replay(beast::tcp_stream& stream, const Principal& who,
                                               std::int64_t after, std::int64_t& sent) {
  sent = after;
  while (true) {
    auto page = store.alert_book().alerts_after(sent, kReplayPage);
    if (!page) {
      log_error(kLog, "sse replay: " + describe(page.error()));
      co_return false;
    }
    for (const auto& alert : *page) {
      auto frame = make_sse_frame(alert);
      sent = frame.event_id;
      if (!who.may_see(frame.patient_id)) continue;
      if (!co_await write_text(stream, frame.text)) co_return false;
    }
    if (page->size() < static_cast<std::size_t>(kReplayPage)) co_return true;
  }
}

asio::awaitable<void> HttpServer::Impl::serve_stream(beast::tcp_stream& stream, StreamGrant grant) {
  const auto& request = grant.request;
  const auto& who = grant.principal;
  // Subscribe before the replay query: a live alert committed meanwhile is queued, and the
  // id filter below drops it if the replay already sent it (invariant 8).
  auto subscriber = hub.subscribe();
  counters.add("sse_connects");
  std::int64_t sent = 0;
  bool ok = co_await write_text(stream, kSseHeader);
  // A client that goes away sends FIN (or RST): the socket turns readable at once, so the
  // stream ends now rather than after a keep-alive write or two (issue 17: ~30 s). An SSE client
  // sends nothing after its request, so anything readable means it is done.
  stream.socket().async_wait(tcp::socket::wait_read, [subscriber](beast::error_code ec) {
    if (ec == asio::error::operation_aborted) return;
    subscriber->closed = true;
    subscriber->wake.cancel();
  });
  if (ok && request.last_event_id) {
    ok = co_await replay(stream, who, *request.last_event_id, sent);
  }
  // The token is re-checked at every wake-up (each alert, each keepalive): a stream ends
  // within one keepalive interval of its token expiring or being logged out.
  while (ok && !stopping && auth.authenticate(grant.token, grant.client).principal) {
    while (ok && !subscriber->frames.empty() && !subscriber->overflowed) {
      SseFrame frame = std::move(subscriber->frames.front());
      subscriber->frames.pop_front();
      if (frame.event_id <= sent) continue;
      sent = frame.event_id;
      if (!who.may_see(frame.patient_id)) continue;
      ok = co_await write_text(stream, frame.text);
    }
    if (!ok || subscriber->overflowed || subscriber->closed) break;
    subscriber->wake.expires_after(options.keepalive_interval);
    auto [ec] = co_await subscriber->wake.async_wait(kTuple);
    if (!ec) ok = co_await write_text(stream, ": keepalive\n\n");
  }
  if (subscriber->overflowed) {
    counters.add("sse_slow_client_dropped");
    log_warn(kLog,
             "SSE client fell too far behind; disconnected (it reconnects with "
             "Last-Event-ID)");
  }
  hub.unsubscribe(subscriber);
}

HttpServer::HttpServer(asio::io_context& io, store::Store& store, Counters& counters, SseHub& hub,
                       Auth& auth, HttpOptions options)
    : impl_(std::make_unique<Impl>(io, store, counters, hub, auth, options)) {}

HttpServer::~HttpServer() = default;

Result<std::uint16_t> HttpServer::listen(const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return fail(Errc::kConfig, "http_listen: '" + host + "' is not an IP address");
  if (!address.is_loopback()) {
    // The API is plaintext HTTP carrying health data: it never listens off loopback. A TLS
    // reverse proxy on the same host publishes it (docs/security.md).
    return fail(Errc::kConfig, "http_listen: '" + host +
                                   "' is not a loopback address; the clinician API is plaintext "
                                   "HTTP: publish it through a TLS reverse proxy "
                                   "(docs/security.md)");
  }
  tcp::endpoint endpoint(address, port);
  auto& acceptor = impl_->acceptor;
  std::string where = host + ":" + std::to_string(port);
  if (acceptor.open(endpoint.protocol(), ec); ec)
    return fail(Errc::kIo, "open " + where + ": " + ec.message());
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec); ec)
    return fail(Errc::kIo, "bind " + where + ": " + ec.message());
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return fail(Errc::kIo, "listen " + where + ": " + ec.message());
  }
  auto bound = acceptor.local_endpoint(ec);
  if (ec) return fail(Errc::kIo, "local_endpoint: " + ec.message());
  return bound.port();
}

void HttpServer::start() { asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached); }

void HttpServer::stop() {
  impl_->stopping = true;
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->hub.close_all();
  for (auto* stream : impl_->streams) stream->cancel();
}

std::size_t HttpServer::open_connections() const { return impl_->streams.size(); }

Result<std::pair<std::string, std::uint16_t>> parse_listen(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return fail(Errc::kConfig, "http_listen must be HOST:PORT, got '" + text + "'");
  }
  std::string port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc{} || ptr != port_text.data() + port_text.size() ||
      port > 65535) {
    return fail(Errc::kConfig, "http_listen: port must be 0..65535, got '" + port_text + "'");
  }
  return std::pair{text.substr(0, colon), static_cast<std::uint16_t>(port)};
}

}  // namespace kotona::server::http
