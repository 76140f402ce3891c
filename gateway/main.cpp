// kotona-gateway --config FILE: the home hub process (docs/contracts.md).
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <csignal>
#include <string>

#include "core/config_file.h"
#include "core/log.h"
#include "drivers/registry/registry.h"
#include "gateway/config.h"
#include "gateway/driver_plugins.h"
#include "gateway/gateway.h"
#include "gateway/local_page/local_server.h"
#include "gateway/local_page/manual_page.h"
#include "gateway/local_page/status_page.h"
#include "gateway/update_status.h"
#include "service/notify.h"

namespace {
constexpr int kExitBadConfig = 2;
}

int main(int argc, char** argv) {
  using namespace kotona;
  if (argc != 3 || std::string(argv[1]) != "--config") {
    log_error("gateway", "usage: kotona-gateway --config FILE");
    return kExitBadConfig;
  }
  auto file = ConfigFile::load(argv[2]);
  if (!file) {
    log_error("gateway", "bad config: " + file.error().detail);
    return kExitBadConfig;
  }
  // Out-of-tree drivers first (driver_plugin = PATH, repeatable): device lines may name them.
  // One that cannot be loaded is logged and counted; the hub reads every other device.
  Counters plugin_counters;
  (void)gateway::load_driver_plugins(*file, plugin_counters);
  auto config = gateway::parse_gateway_config(*file, &drivers::find_driver);
  if (!config) {
    log_error("gateway", "bad config: " + config.error().detail);
    return kExitBadConfig;
  }
  boost::asio::io_context io;
  const auto drivers = drivers::all_drivers();
  config->by_id_drivers.assign(drivers.begin(), drivers.end());  // discovery by stable name
  config->ble_drivers.assign(drivers.begin(), drivers.end());    // discovery by BLE service
  config->hid_drivers.assign(drivers.begin(), drivers.end());    // discovery by USB HID ids
  const std::string config_host = config->local_page_host;
  const std::uint16_t config_port = config->local_page_port;
  auto gw = gateway::Gateway::create(io, std::move(*config));
  if (!gw) {
    log_error("gateway", "cannot open outbox: " + gw.error().detail);
    return kExitBadConfig;
  }
  for (const auto& [name, n] : plugin_counters.snapshot()) (*gw)->counters().add(name, n);
  // The updater's rollbacks (docs/packages.md "Updates") ride on every heartbeat.
  gateway::read_update_status((*gw)->counters());
  // The hub's local page (loopback): status in the patient's language; features add routes.
  gateway::local_page::LocalServer local_page(io, (*gw)->counters());
  gateway::local_page::add_status_page(local_page, [g = gw->get()] { return g->hub_view(); });
  // Manual entry (issue 20 part 5): the form hands typed results to the hub's ManualEntry.
  auto hub_now = [] {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
  };
  gateway::local_page::add_manual_page(local_page,
                                       {[g = gw->get(), hub_now](const gateway::ManualForm& form) {
                                          return g->manual_entry().submit(form, hub_now());
                                        },
                                        hub_now});
  if (!config_host.empty()) {
    auto bound = local_page.listen("loopback", config_host, config_port);
    if (!bound) {
      log_error("gateway", "local page: " + bound.error().detail);
      return kExitBadConfig;
    }
  }
  // Under systemd (Type=notify): ready once started, a watchdog ping from this loop.
  service::ServiceNotifier notifier(io, service::notify_settings_from_env());
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log_info("gateway", "signal " + std::to_string(sig) + ": stopping");
    notifier.stopping();
    local_page.stop();
    (*gw)->stop();
    io.stop();
  });
  (*gw)->start();
  notifier.ready("hub started");
  io.run();
  // Let the stopped device coroutines finish while the objects they wait on still exist.
  io.restart();
  io.poll();
  log_info("gateway", "stopped");
  return 0;
}
