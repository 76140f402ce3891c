// Issue 21 part 4, the out-of-tree proof: examples/acme_thermo/, built against the installed
// KotonaDriverSdk package into a plugin (KOTONA_EXAMPLE_PLUGIN), is loaded by the real
// kotona-gateway from its config (driver_plugin = PATH; drivers/CMakeLists.txt does not name
// it) and reads the simulated vendor thermometer (firmware-sim `ble-acme-thermo`) end to end:
// every reading at the server exactly once, with the value measured. A second, broken plugin
// line (built for another ABI) is refused with its reason and costs no reading. Run by
// tools/check_out_of_tree.sh, which builds the plugin first.
#include <doctest/doctest.h>

#include <cstdlib>
#include <set>

#include "tests/integration/system.h"

using namespace kotona::test;
using namespace std::chrono_literals;

TEST_CASE("acme_thermo: out of tree, loaded as a plugin -> every reading at the server once") {
  const char* plugin = std::getenv("KOTONA_EXAMPLE_PLUGIN");
  const char* broken = std::getenv("KOTONA_BROKEN_PLUGIN");
  REQUIRE_MESSAGE(plugin != nullptr, "set KOTONA_EXAMPLE_PLUGIN (tools/check_out_of_tree.sh)");
  REQUIRE_MESSAGE(broken != nullptr, "set KOTONA_BROKEN_PLUGIN (tools/check_out_of_tree.sh)");
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({"ACMETH0001"});
  sys.start_device({"ACMETH0001", {"measure", "36.8", "measure", "38.2"}, {}, "ble-acme-thermo"});
  sys.extra_gateway_config = "driver_plugin = " + std::string(broken) + "\n" +
                             "driver_plugin = " + std::string(plugin) + "\n";
  sys.start_gateway();
  REQUIRE_MESSAGE(eventually([&] { return sys.ledger_uids().size() == 2; }, 60s),
                  sys.diagnostics());
  REQUIRE_MESSAGE(eventually([&] { return sys.server_reading_uids().size() == 2; }, 60s),
                  sys.diagnostics());
  auto stored = sys.server_reading_uids();
  for (const auto& uid : sys.ledger_uids()) CHECK_MESSAGE(stored[uid] == 1, uid);
  std::set<double> celsius;
  for (const auto& r : sys.get_json_array("/api/v1/readings")) {
    CHECK(r.at("kind").as_string() == "temperature");
    CHECK(r.at("device_serial").as_string() == "ACMETH0001");  // read by the plugin (DIS)
    celsius.insert(r.at("values").at("celsius").to_number<double>());
  }
  CHECK(celsius == std::set<double>{36.8, 38.2});
  const std::string log = sys.gateway_log();
  CHECK(log.find("driver plugin acme_thermo 0.1.0 from " + std::string(plugin)) !=
        std::string::npos);
  CHECK_MESSAGE(log.find("built for ABI 'kotona-driver-abi-0 gcc 4.2'") != std::string::npos, log);
}
