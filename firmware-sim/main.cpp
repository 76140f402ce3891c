// kotona-firmware-sim: simulated home devices for tests (docs/contracts.md). Exit 0 on
// SIGINT/SIGTERM, 2 on a bad command line, 1 when the pty cannot be created.
#include <signal.h>

#include <atomic>
#include <string>
#include <vector>

#include "core/log.h"
#include "firmware-sim/ble_device.h"
#include "firmware-sim/bp_device.h"
#include "firmware-sim/meter_device.h"
#include "firmware-sim/options.h"
#include "firmware-sim/relay_device.h"

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int /*signo*/) { g_stop = true; }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: poll() returns EINTR and loops see the flag
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

// Plugs the simulated device, runs its script, unplugs. Exit code for main().
template <class Device, class Options>
int run_device(Options options) {
  using namespace kotona;
  Device device(std::move(options), g_stop);
  if (auto ok = device.plug(); !ok) {
    log_error("firmware-sim", describe(ok.error()));
    return 1;
  }
  auto ran = device.run();
  device.unplug();  // removes the link
  if (!ran) {
    log_error("firmware-sim", describe(ran.error()));
    return 1;
  }
  log_info("firmware-sim", "stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kotona;
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && firmware_sim::is_ble_device(args[0])) {
    auto ble = firmware_sim::parse_ble_options(args);
    if (!ble) {
      log_error("firmware-sim", ble.error().detail + " (usage: " + firmware_sim::ble_usage() + ")");
      return 2;
    }
    install_signal_handlers();
    return run_device<firmware_sim::BleDevice>(std::move(ble).value());
  }
  auto options = firmware_sim::parse_options(args);
  if (!options) {
    log_error("firmware-sim", options.error().detail + " (" + firmware_sim::kUsage + ")");
    return 2;
  }
  install_signal_handlers();
  if (options->device == "astm-bp") {
    return run_device<firmware_sim::BpDevice>(std::move(options).value());
  }
  if (options->device == "implant-relay") {
    return run_device<firmware_sim::RelayDevice>(std::move(options).value());
  }
  return run_device<firmware_sim::MeterDevice>(std::move(options).value());
}
