#include "server/record/http_post.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <utility>

#include "core/text.h"

namespace kotona::server::record {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// Where and how long: what every request of one Poster shares.
struct Target {
  asio::io_context& io;
  Endpoint endpoint;
  std::chrono::milliseconds timeout;
};

// One request: resolve -> connect -> (handshake) -> write -> read. Keeps itself alive
// through its handlers; `done` is called exactly once.
template <typename Stream>
class Exchange : public std::enable_shared_from_this<Exchange<Stream>> {
 public:
  template <typename... StreamArgs>
  Exchange(std::shared_ptr<const Target> target, std::string body, const PostHeaders& headers,
           PostDone done, StreamArgs&&... args)
      : target_(std::move(target)),
        poster_(*target_),
        resolver_(poster_.io),
        stream_(std::forward<StreamArgs>(args)...),
        done_(std::move(done)) {
    req_ = {http::verb::post, poster_.endpoint.path, 11};
    req_.set(http::field::host, poster_.endpoint.host);
    req_.set(http::field::user_agent, "kotona-server");
    req_.set(http::field::content_type, headers.content_type);
    req_.set(http::field::accept, headers.accept);
    if (!headers.authorization.empty()) req_.set(http::field::authorization, headers.authorization);
    req_.set(http::field::connection, "close");
    req_.body() = std::move(body);
    req_.prepare_payload();
  }

  void start() {
    auto self = this->shared_from_this();
    resolver_.async_resolve(poster_.endpoint.host, poster_.endpoint.port,
                            [self](beast::error_code ec, const tcp::resolver::results_type& r) {
                              if (ec) return self->finish("resolve: " + ec.message());
                              self->connect(r);
                            });
  }

 private:
  beast::tcp_stream& tcp_layer() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      return stream_;
    } else {
      return beast::get_lowest_layer(stream_);
    }
  }

  void connect(const tcp::resolver::results_type& results) {
    auto self = this->shared_from_this();
    tcp_layer().expires_after(poster_.timeout);
    tcp_layer().async_connect(results, [self](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return self->finish("connect: " + ec.message());
      self->handshake();
    });
  }

  void handshake() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      write();
    } else {
      auto self = this->shared_from_this();
      if (!SSL_set_tlsext_host_name(stream_.native_handle(), poster_.endpoint.host.c_str())) {
        return finish("TLS: cannot set SNI");
      }
      stream_.set_verify_callback(ssl::host_name_verification(poster_.endpoint.host));
      tcp_layer().expires_after(poster_.timeout);
      stream_.async_handshake(ssl::stream_base::client, [self](beast::error_code ec) {
        if (ec) return self->finish("TLS: " + ec.message());
        self->write();
      });
    }
  }

  void write() {
    auto self = this->shared_from_this();
    tcp_layer().expires_after(poster_.timeout);
    http::async_write(stream_, req_, [self](beast::error_code ec, std::size_t) {
      if (ec) return self->finish("send: " + ec.message());
      self->read();
    });
  }

  void read() {
    auto self = this->shared_from_this();
    tcp_layer().expires_after(poster_.timeout);
    http::async_read(stream_, buffer_, res_, [self](beast::error_code ec, std::size_t) {
      if (ec) return self->finish("answer: " + ec.message());
      PostAnswer answer;
      answer.status = static_cast<int>(self->res_.result_int());
      answer.body = std::move(self->res_.body());
      const auto retry_after = self->res_[http::field::retry_after];
      // Up to 6 digits (11.6 days); the HTTP-date form is ignored (core/text.h).
      answer.retry_after =
          parse_retry_after(std::string_view(retry_after.data(), retry_after.size()), 6);
      self->deliver(std::move(answer));
    });
  }

  void finish(std::string error) {
    PostAnswer answer;
    answer.error = std::move(error);
    deliver(std::move(answer));
  }

  void deliver(PostAnswer answer) {
    beast::error_code ignored;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_layer().close();
    if (done_) std::exchange(done_, nullptr)(std::move(answer));
  }

  std::shared_ptr<const Target> target_;  // outlives the Poster when it is destroyed first
  const Target& poster_;
  tcp::resolver resolver_;
  Stream stream_;
  PostDone done_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  beast::flat_buffer buffer_;
};

}  // namespace

struct Poster::Impl {
  std::shared_ptr<const Target> target;
  std::shared_ptr<ssl::context> tls;  // https only
};

Result<std::unique_ptr<Poster>> Poster::make(asio::io_context& io, const RecordConfig& config,
                                             const std::string& url) {
  auto endpoint = parse_endpoint(url.empty() ? config.endpoint : url);
  if (!endpoint) return fail(endpoint.error());
  auto impl = std::make_unique<Impl>(
      Impl{std::make_shared<const Target>(Target{io, *endpoint, config.timeout}), nullptr});
  if (endpoint->tls) {
    impl->tls = std::make_shared<ssl::context>(ssl::context::tls_client);
    impl->tls->set_options(ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    beast::error_code ec;
    impl->tls->set_verify_mode(ssl::verify_peer, ec);
    impl->tls->load_verify_file(config.tls_ca, ec);
    if (ec) return fail(Errc::kConfig, "record_tls_ca " + config.tls_ca + ": " + ec.message());
    if (!config.tls_cert.empty()) {
      impl->tls->use_certificate_chain_file(config.tls_cert, ec);
      if (ec)
        return fail(Errc::kConfig, "record_tls_cert " + config.tls_cert + ": " + ec.message());
      impl->tls->use_private_key_file(config.tls_key, ssl::context::pem, ec);
      if (ec) return fail(Errc::kConfig, "record_tls_key " + config.tls_key + ": " + ec.message());
    }
  }
  return std::unique_ptr<Poster>(new Poster(std::move(impl)));
}

Poster::Poster(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Poster::~Poster() = default;

void Poster::post(std::string body, PostDone done, const PostHeaders& headers) {
  if (impl_->tls) {
    // The stream holds the context by reference: the exchange keeps it alive.
    auto tls = impl_->tls;
    std::make_shared<Exchange<beast::ssl_stream<beast::tcp_stream>>>(
        impl_->target, std::move(body), headers,
        [tls, done = std::move(done)](PostAnswer answer) { done(std::move(answer)); },
        impl_->target->io, *tls)
        ->start();
  } else {
    std::make_shared<Exchange<beast::tcp_stream>>(impl_->target, std::move(body), headers,
                                                  std::move(done), impl_->target->io)
        ->start();
  }
}

}  // namespace kotona::server::record
