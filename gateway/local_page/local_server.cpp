#include "gateway/local_page/local_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <set>

#include "core/log.h"
#include "gateway/local_page/page.h"

namespace kotona::gateway::local_page {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {

constexpr std::string_view kLog = "local_page";
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Only the page's own inline style; no script, no framing, forms post to the hub itself.
constexpr std::string_view kCsp =
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

}  // namespace

LocalResponse redirect(std::string location) {
  LocalResponse res;
  res.status = 303;
  res.headers.emplace_back("Location", std::move(location));
  return res;
}

LocalResponse text_page(const LocalRequest& req, int status, std::string_view key) {
  LocalResponse res;
  res.status = status;
  res.body = render_page(req.lang, req.path,
                         t(req.lang, "p", key) +
                             "<p><a href=\"/?lang=" + std::string(lang_code(req.lang)) + "\">" +
                             t(req.lang, "span", "page.back") + "</a></p>");
  return res;
}

// Shared: the connection and accept coroutines are its other owners, so a LocalServer destroyed
// before the io_context's last poll leaves them a live Impl.
struct LocalServer::Impl : std::enable_shared_from_this<LocalServer::Impl> {
  struct Listener {
    std::unique_ptr<tcp::acceptor> acceptor;
    std::string host;  // "address:port" as a browser sends it in Host
    std::uint16_t port = 0;
    bool loopback = false;
  };

  Impl(asio::io_context& io_in, Counters& counters_in, LocalServerOptions options_in)
      : io(io_in), counters(counters_in), options(options_in) {}

  static asio::awaitable<void> accept_loop(std::shared_ptr<Impl> self, std::string name,
                                           tcp::acceptor* acceptor);
  static asio::awaitable<void> session(std::shared_ptr<Impl> self, std::string name,
                                       tcp::socket socket);
  bhttp::response<bhttp::string_body> answer(const std::string& name,
                                             const bhttp::request<bhttp::string_body>& req);
  // Empty when the request may be served; else why not (counted, 400/421/403).
  static bhttp::response<bhttp::string_body> to_response(LocalResponse out, unsigned version,
                                                         bool keep_alive, bool head);
  std::optional<std::pair<int, std::string>> refusal(const Listener& l,
                                                     const bhttp::request<bhttp::string_body>& req);
  LocalResponse route(const LocalRequest& req) const;

  asio::io_context& io;
  Counters& counters;
  LocalServerOptions options;
  std::map<std::pair<std::string, std::string>, LocalHandler> routes;
  std::map<std::string, Listener> listeners;
  std::multimap<std::string, beast::tcp_stream*> open;  // listener name -> connection
  std::vector<std::unique_ptr<tcp::acceptor>> retired;  // closed; their accept loop may still run
};

asio::awaitable<void> LocalServer::Impl::accept_loop(std::shared_ptr<Impl> self, std::string name,
                                                     tcp::acceptor* acceptor) {
  auto& counters = self->counters;
  auto& options = self->options;
  auto& open = self->open;
  while (true) {
    auto [ec, socket] = co_await acceptor->async_accept(kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
      counters.add("local_page_accept_error");
      continue;
    }
    if (open.size() >= options.max_connections) {
      counters.add("local_page_connections_refused");
      continue;  // the socket closes here
    }
    asio::co_spawn(self->io, session(self, name, std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> LocalServer::Impl::session(std::shared_ptr<Impl> self, std::string name,
                                                 tcp::socket socket) {
  auto& counters = self->counters;
  auto& options = self->options;
  auto& open = self->open;
  beast::tcp_stream stream(std::move(socket));
  const auto me = open.emplace(name, &stream);
  beast::flat_buffer buffer;
  while (true) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(options.body_limit);
    parser.header_limit(8 * 1024);
    stream.expires_after(options.read_timeout);
    auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
    if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
      // Answered, then closed (the rest of the request is not read): a person's browser
      // never sends this much, so it is counted and said, not silently dropped.
      counters.add("local_page_too_large");
      const int status = ec == bhttp::error::body_limit ? 413 : 431;
      log_warn(kLog, "refused " + std::to_string(status) + ": request over the hub's limit");
      LocalRequest local;
      local.lang = choose_lang("", parser.get()[bhttp::field::accept_language]);
      auto res = to_response(text_page(local, status, "page.badRequest"), 11, false, false);
      stream.expires_after(options.write_timeout);
      co_await bhttp::async_write(stream, res, kTuple);
      break;
    }
    if (ec) {
      if (ec != bhttp::error::end_of_stream && ec != asio::error::operation_aborted) {
        counters.add("local_page_bad_request");
      }
      break;
    }
    if (!self->listeners.contains(name)) break;  // closed while this request was read
    auto res = self->answer(name, parser.get());
    const bool keep = res.keep_alive();
    stream.expires_after(options.write_timeout);
    auto [wec, wn] = co_await bhttp::async_write(stream, res, kTuple);
    if (wec || !keep || !self->listeners.contains(name)) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  open.erase(me);
}

std::optional<std::pair<int, std::string>> LocalServer::Impl::refusal(
    const Listener& l, const bhttp::request<bhttp::string_body>& req) {
  // Host: the listener's own address (or localhost on loopback), so a page elsewhere cannot
  // reach the hub by DNS rebinding.
  const std::string host(req[bhttp::field::host]);
  // Without a port (some clients omit it) only the listener's own address: never a name.
  const std::string port = ":" + std::to_string(l.port);
  const bool host_ok = host == l.host || host + port == l.host ||
                       (l.loopback && (host == "localhost" + port || host == "localhost"));
  if (!host_ok) return std::pair{421, std::string("Host not this hub")};
  if (req.method() == bhttp::verb::post) {
    const std::string origin(req[bhttp::field::origin]);
    if (!origin.empty() && origin != "http://" + host) {
      return std::pair{403, std::string("Origin not this hub")};
    }
    const std::string type(req[bhttp::field::content_type]);
    if (type.rfind("application/x-www-form-urlencoded", 0) != 0) {
      return std::pair{415, std::string("not a form")};
    }
  }
  return std::nullopt;
}

LocalResponse LocalServer::Impl::route(const LocalRequest& req) const {
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  if (auto it = routes.find({method, req.path}); it != routes.end()) return it->second(req);
  return text_page(req, 404, "page.notFound");
}

bhttp::response<bhttp::string_body> LocalServer::Impl::answer(
    const std::string& name, const bhttp::request<bhttp::string_body>& req) {
  LocalRequest local;
  local.method = std::string(req.method_string());
  const std::string_view target = req.target();
  const auto q = target.find('?');
  local.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) local.query = decode_form(target.substr(q + 1));
  const auto lang = local.query.find("lang");
  local.lang = choose_lang(lang == local.query.end() ? "" : lang->second,
                           req[bhttp::field::accept_language]);
  local.listener = name;
  LocalResponse out;
  const auto& l = listeners.at(name);
  if (auto why = refusal(l, req)) {
    counters.add("local_page_refused");
    log_warn(kLog, "refused " + std::to_string(why->first) + ": " + why->second);
    out = text_page(local, why->first, "page.badRequest");
  } else {
    if (req.method() == bhttp::verb::post) local.form = decode_form(req.body());
    out = route(local);
  }
  return to_response(std::move(out), req.version(), req.keep_alive(),
                     req.method() == bhttp::verb::head);
}

bhttp::response<bhttp::string_body> LocalServer::Impl::to_response(LocalResponse out,
                                                                   unsigned version,
                                                                   bool keep_alive, bool head) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(out.status), version};
  res.set(bhttp::field::server, "kotona-hub");
  res.set(bhttp::field::content_type, out.content_type);
  res.set(bhttp::field::cache_control, "no-store");
  res.set("Content-Security-Policy", kCsp);
  res.set("X-Content-Type-Options", "nosniff");
  // same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on the
  // page's own form POSTs, which the Origin check must refuse.
  res.set("Referrer-Policy", "same-origin");
  for (const auto& [k, val] : out.headers) res.set(k, val);
  res.keep_alive(keep_alive);
  if (!head) res.body() = std::move(out.body);
  res.prepare_payload();
  return res;
}

LocalServer::LocalServer(asio::io_context& io, Counters& counters, LocalServerOptions options)
    : impl_(std::make_shared<Impl>(io, counters, options)) {}

LocalServer::~LocalServer() { stop(); }

void LocalServer::add_route(std::string method, std::string path, LocalHandler handler) {
  impl_->routes[{std::move(method), std::move(path)}] = std::move(handler);
}

Result<std::uint16_t> LocalServer::listen(const std::string& name, const std::string& address,
                                          std::uint16_t port) {
  if (impl_->listeners.contains(name)) return fail(Errc::kConfig, "listener in use: " + name);
  beast::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) return fail(Errc::kConfig, "local page: bad address " + address);
  auto acceptor = std::make_unique<tcp::acceptor>(impl_->io);
  const tcp::endpoint endpoint(ip, port);
  if (acceptor->open(endpoint.protocol(), ec) ||
      acceptor->set_option(asio::socket_base::reuse_address(true), ec) ||
      acceptor->bind(endpoint, ec) ||
      acceptor->listen(asio::socket_base::max_listen_connections, ec)) {
    return fail(Errc::kIo, "local page: cannot listen on " + address + ":" + std::to_string(port) +
                               ": " + ec.message());
  }
  Impl::Listener l;
  l.port = acceptor->local_endpoint().port();
  l.loopback = ip.is_loopback();
  l.host = (ip.is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(l.port);
  l.acceptor = std::move(acceptor);
  auto* raw = l.acceptor.get();
  const auto bound = l.port;
  impl_->listeners.emplace(name, std::move(l));
  asio::co_spawn(impl_->io, Impl::accept_loop(impl_, name, raw), asio::detached);
  log_info(kLog, "listening (" + name + ") on " + address + ":" + std::to_string(bound));
  return bound;
}

void LocalServer::close_listener(const std::string& name) {
  auto it = impl_->listeners.find(name);
  if (it == impl_->listeners.end()) return;
  beast::error_code ignored;
  it->second.acceptor->close(ignored);
  auto [from, to] = impl_->open.equal_range(name);
  for (auto c = from; c != to; ++c) c->second->socket().close(ignored);
  // The accept loop holds the acceptor's address until its aborted accept completes.
  impl_->retired.push_back(std::move(it->second.acceptor));
  impl_->listeners.erase(it);
  log_info(kLog, "closed listener " + name);
}

bool LocalServer::is_listening(const std::string& name) const {
  return impl_->listeners.contains(name);
}

void LocalServer::stop() {
  if (!impl_) return;
  std::vector<std::string> names;
  for (const auto& [name, l] : impl_->listeners) names.push_back(name);
  for (const auto& name : names) close_listener(name);
}

LocalResponse LocalServer::handle_for_test(const LocalRequest& req) const {
  return impl_->route(req);
}

}  // namespace kotona::gateway::local_page
