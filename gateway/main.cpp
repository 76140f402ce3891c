// kotona-gateway --config FILE: the home hub process (docs/contracts.md). A config with
// enrol_url and no gateway_id is a blank hub: it serves its setup page until enrolled
// (gateway/enrol), then starts as configured plus state_dir/enrolled.conf.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/config_file.h"
#include "core/log.h"
#include "drivers/registry/registry.h"
#include "gateway/config.h"
#include "gateway/driver_plugins.h"
#include "gateway/enrol/enroller.h"
#include "gateway/gateway.h"
#include "gateway/local_page/local_server.h"
#include "gateway/local_page/manual_page.h"
#include "gateway/local_page/status_page.h"
#include "gateway/update_status.h"
#include "service/notify.h"

namespace {

using namespace kotona;
constexpr int kExitBadConfig = 2;

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The config as the hub runs it: the file, plus enrolled.conf once the hub is enrolled (and
// the file does not name a gateway_id itself). Errors: kConfig.
Result<ConfigFile> effective_config(const std::string& path, const gateway::enrol::EnrolSettings& e,
                                    const ConfigFile& file) {
  if (e.url.empty() || !file.all("gateway_id").empty()) return file;
  auto text = read_text(path);
  auto enrolled = read_text(gateway::enrol::enrolled_conf(e).string());
  if (!text || !enrolled) return file;
  return ConfigFile::parse(*text + "\n" + *enrolled, path);
}

// The status page's view: the hub's, with the patient and the devices enrolment named.
gateway::local_page::HubView status_view(gateway::Gateway& gw,
                                         const gateway::enrol::EnrolSettings& e) {
  auto view = gw.hub_view();
  if (e.url.empty()) return view;
  const auto info = gateway::enrol::read_hub_info(e);
  view.patient = info.patient_name;
  for (const auto& serial : info.devices) {
    bool shown = false;
    for (const auto& d : view.devices) shown = shown || d.name == serial;
    if (!shown) view.devices.push_back({serial, "", std::nullopt});  // enrolled, never heard from
  }
  return view;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || std::string(argv[1]) != "--config") {
    log_error("gateway", "usage: kotona-gateway --config FILE");
    return kExitBadConfig;
  }
  const std::string path = argv[2];
  auto first = ConfigFile::load(path);
  if (!first) {
    log_error("gateway", "bad config: " + first.error().detail);
    return kExitBadConfig;
  }
  auto enrol = gateway::enrol::parse_enrol_settings(*first);
  gateway::GatewayConfig page_config;
  if (!enrol || !gateway::parse_local_page_listen(*first, page_config)) {
    log_error("gateway",
              "bad config: " + (enrol ? std::string("local_page_listen") : enrol.error().detail));
    return kExitBadConfig;
  }
  // Out-of-tree drivers first (driver_plugin = PATH, repeatable): device lines may name them.
  // One that cannot be loaded is logged and counted; the hub reads every other device.
  Counters plugin_counters;
  (void)gateway::load_driver_plugins(*first, plugin_counters);
  boost::asio::io_context io;
  Counters page_counters;  // the local page's (refusals), before and after enrolment
  gateway::local_page::LocalServer local_page(io, page_counters);
  std::unique_ptr<gateway::Gateway> gw;
  bool failed = false;
  // Parses the effective config and starts the hub; false (logged) when it cannot.
  auto start_hub = [&]() -> bool {
    auto file = effective_config(path, *enrol, *first);
    auto config = file ? gateway::parse_gateway_config(*file, &drivers::find_driver)
                       : Result<gateway::GatewayConfig>(fail(file.error()));
    if (!config) {
      log_error("gateway", "bad config: " + config.error().detail);
      return false;
    }
    const auto drivers = drivers::all_drivers();
    config->by_id_drivers.assign(drivers.begin(), drivers.end());  // discovery by stable name
    config->ble_drivers.assign(drivers.begin(), drivers.end());    // discovery by BLE service
    config->hid_drivers.assign(drivers.begin(), drivers.end());    // discovery by USB HID ids
    auto created = gateway::Gateway::create(io, std::move(*config));
    if (!created) {
      log_error("gateway", "cannot open outbox: " + created.error().detail);
      return false;
    }
    gw = std::move(*created);
    for (const auto& [name, n] : plugin_counters.snapshot()) gw->counters().add(name, n);
    // The updater's rollbacks (docs/packages.md "Updates") ride on every heartbeat.
    gateway::read_update_status(gw->counters());
    gateway::local_page::add_status_page(local_page,
                                         [g = gw.get(), e = *enrol] { return status_view(*g, e); });
    gateway::local_page::add_pairing_route(
        local_page, [g = gw.get()] { return g->open_pairing_window(std::chrono::seconds(120)); });
    // Manual entry (issue 20 part 5): the form hands typed results to the hub's ManualEntry.
    auto hub_now = [] {
      return std::chrono::time_point_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now());
    };
    gateway::local_page::add_manual_page(local_page,
                                         {[g = gw.get(), hub_now](const gateway::ManualForm& form) {
                                            return g->manual_entry().submit(form, hub_now());
                                          },
                                          hub_now});
    gw->start();
    return true;
  };
  const bool blank = !enrol->url.empty() && first->all("gateway_id").empty() &&
                     !std::filesystem::exists(gateway::enrol::enrolled_conf(*enrol));
  std::unique_ptr<gateway::enrol::Enroller> enroller;
  if (blank) {
    enroller =
        std::make_unique<gateway::enrol::Enroller>(io, local_page, *enrol, page_counters, [&] {
          // Enrolled: the LAN setup listener closes at once; loopback keeps the status page.
          local_page.close_listener("setup");
          enroller->stop();
          if (!start_hub()) {
            failed = true;
            io.stop();
          }
        });
    enroller->start();
    if (!enrol->setup_host.empty()) {
      auto bound = local_page.listen("setup", enrol->setup_host, enrol->setup_port);
      if (!bound) {
        log_error("gateway", "setup page: " + bound.error().detail);
        return kExitBadConfig;
      }
    }
    log_info("gateway", "blank hub: waiting for an enrolment code on the setup page");
  } else if (!start_hub()) {
    return kExitBadConfig;
  }
  if (!page_config.local_page_host.empty()) {
    auto bound =
        local_page.listen("loopback", page_config.local_page_host, page_config.local_page_port);
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
    if (enroller) enroller->stop();
    if (gw) gw->stop();
    io.stop();
  });
  notifier.ready(blank ? "hub waiting for enrolment" : "hub started");
  io.run();
  // Let the stopped device coroutines finish while the objects they wait on still exist.
  io.restart();
  io.poll();
  log_info("gateway", "stopped");
  return failed ? kExitBadConfig : 0;
}
