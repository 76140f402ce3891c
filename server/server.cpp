#include "server/server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>

#include "core/counters.h"
#include "core/log.h"
#include "server/http/http_server.h"
#include "server/ingest/ingest.h"
#include "server/store/store.h"

namespace kotona::server {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {
constexpr std::string_view kLog = "server";
constexpr auto kStopGrace = 2s;
}  // namespace

// Member order is destruction order in reverse: the io_context outlives everything on it.
struct Server::Impl {
  explicit Impl(const ServerConfig& c) : config(c), hub(io), stop_timer(io) {}
  ServerConfig config;
  asio::io_context io;
  Counters counters;
  std::unique_ptr<store::Store> store;
  http::SseHub hub;
  std::unique_ptr<http::HttpServer> http;
  std::unique_ptr<ingest::Ingest> ingest;
  std::uint16_t port = 0;
  asio::steady_timer stop_timer;
  std::chrono::steady_clock::time_point stop_started;

  void begin_stop();
  void poll_stopped();
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::create(const ServerConfig& config) {
  auto impl = std::make_unique<Impl>(config);
  auto store = store::Store::open(config.db_path);
  if (!store) return fail(store.error());
  impl->store = std::move(*store);
  impl->store->set_rule_configs(config.rules);
  auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  if (auto r = impl->store->seed_enrolment(config.enrolment, now); !r) return fail(r.error());
  impl->http =
      std::make_unique<http::HttpServer>(impl->io, *impl->store, impl->counters, impl->hub);
  auto port = impl->http->listen(config.http_host, config.http_port);
  if (!port) return fail(port.error());
  impl->port = *port;
  ingest::IngestOptions options{config.mqtt_uri, config.mqtt_client_id};
  auto* hub = &impl->hub;
  impl->ingest = std::make_unique<ingest::Ingest>(
      impl->io, options, *impl->store, impl->counters,
      [hub](const std::vector<store::StoredAlert>& alerts) { hub->publish(alerts); });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::uint16_t Server::http_port() const { return impl_->port; }

void Server::Impl::begin_stop() {
  log_info(kLog, "stopping");
  ingest->stop();
  http->stop();
  stop_started = std::chrono::steady_clock::now();
  poll_stopped();
}

// Lets open connections unwind on the loop, then stops it (bounded by kStopGrace).
void Server::Impl::poll_stopped() {
  if (http->open_connections() == 0 ||
      std::chrono::steady_clock::now() - stop_started > kStopGrace) {
    io.stop();
    return;
  }
  stop_timer.expires_after(20ms);
  stop_timer.async_wait([this](boost::system::error_code) { poll_stopped(); });
}

int Server::run() {
  auto& impl = *impl_;
  asio::signal_set signals(impl.io, SIGINT, SIGTERM);
  signals.async_wait([&impl](boost::system::error_code ec, int) {
    if (!ec) impl.begin_stop();
  });
  impl.http->start();
  log_info(kLog, "clinician feed at http://" + impl.config.http_host + ":" +
                     std::to_string(impl.port) + "/");
  impl.ingest->start();
  try {
    impl.io.run();
  } catch (const std::exception& e) {
    log_error(kLog, std::string("event loop: ") + e.what());
    return 1;
  }
  log_info(kLog, "stopped");
  return 0;
}

}  // namespace kotona::server
