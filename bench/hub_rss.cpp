// kotona-hub-rss (issue 20 part 4): the hub's resident memory with every device kind attached
// at once — four serial meters on pseudo-terminals (ASTM blood pressure, INR, glucose and the
// implant relay), a USB HID glucose meter and a BLE glucose meter (firmware-sim playing BlueZ
// on a private dbus-daemon) — through tests/integration's SystemUnderTest (real mosquitto and
// kotona-server). It waits until every reading is stored and the outbox is empty, then samples
// the hub's VmRSS for a while. A benchmark, not a test: it prints figures (budget 16 MiB, issue
// 20) and fails only when the system does not run. With KOTONA_TEST_BIN_KOTONA_GATEWAY naming
// the arm64 hub's qemu-user wrapper (tools/arm64.sh bench) the process measured is qemu's:
// the guest's pages plus the translator's own. usage: kotona-hub-rss [SAMPLE_SECONDS]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

#include "bench/procfs.h"
#include "tests/integration/system.h"

using namespace kotona::test;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  const int sample_seconds = argc > 1 ? std::stoi(argv[1]) : 20;
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server(
      {"BPSIM0001", "INRSIM0001", "GLUSIM0001", "ICDSIM0001", "7390-1234567", "GLU-BLE1"});
  sys.start_device({"BPSIM0001", {"measure", "128/82/70", "measure", "131/85/72"}, {}, "astm-bp"});
  sys.start_device({"INRSIM0001", {"measure", "2.6", "measure", "3.1"}, {}, "astm-inr"});
  sys.start_device({"GLUSIM0001", {"measure", "5.4"}, {"--meal", "BEFORE"}, "astm-glucose"});
  sys.start_device({"ICDSIM0001", {"measure", "ok"}, {}, "implant-relay"});
  SimDevice hid{"7390-1234567",
                {"measure", "133mgdl", "measure", "98mgdl"},
                {"--dialect", "contour", "--meal", "BEFORE"},
                "astm-glucose"};
  hid.hid_node = "hidraw3";
  sys.start_device(hid);
  sys.start_device({"GLU-BLE1", {"measure", "5.8", "measure", "6.1"}, {}, "ble-glucose"});
  const std::size_t expected = 10;
  const auto started = std::chrono::steady_clock::now();
  sys.start_gateway();
  const bool delivered = eventually([&] { return sys.ledger_uids().size() == expected; }, 180s) &&
                         eventually([&] { return sys.outbox_rows() == 0; }, 60s);
  if (!delivered) {
    std::cerr << "hub-rss: the " << expected << " readings were not all delivered\n"
              << sys.diagnostics();
    return 1;
  }
  const double to_delivered =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const pid_t pid = sys.gateway_pid();
  double low = 1e9, high = 0;
  for (int i = 0; i < sample_seconds; ++i) {
    const double now = kotona::bench::rss_mb(pid);
    low = std::min(low, now);
    high = std::max(high, now);
    std::this_thread::sleep_for(1s);
  }
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
  std::printf(
      "hub-rss: process %s (pid %d); 6 devices of 3 transports (4 serial ptys, 1 USB HID, 1 BLE "
      "on D-Bus), %zu readings stored in %.1f s\n",
      exe.c_str(), static_cast<int>(pid), expected, to_delivered);
  std::printf(
      "hub-rss: VmRSS %.1f-%.1f MiB over %d s, VmHWM %.1f MiB (budget 16 MiB); of it RssAnon %.1f "
      "MiB (heap, stacks), RssFile %.1f MiB (mapped code and libraries, shared)\n",
      low, high, sample_seconds, kotona::bench::peak_rss_mb(pid),
      kotona::bench::status_mb(pid, "RssAnon:"), kotona::bench::status_mb(pid, "RssFile:"));
  return 0;
}
