// Issue 21: a broken out-of-tree driver costs only its own devices. Plugins the hub cannot load
// (wrong ABI, no entry points, missing) are logged and counted while the good one loads; a
// plugin's readings the hub cannot hold (NaN, 1e300, no serial, a kind no row has) are dropped,
// counted and reported as refused records, and its good reading is committed.
#include "gateway/driver_plugins.h"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include "drivers/registry/registry.h"
#include "gateway/step_runner.h"

namespace kotona::gateway {
namespace {

const std::string kDir = KOTONA_TEST_PLUGIN_DIR;

struct NullLink final : DeviceLink {
  bool carry(drivers::Command&) override { return true; }
  std::optional<drivers::Step> on_commit_failed() override { return std::nullopt; }
  void on_readings_committed() override {}
};

TEST_CASE("gateway plugins: broken plugins -> driver_plugin_refused each, the good one loads") {
  auto file = ConfigFile::parse(
      "driver_plugin = " + kDir + "/kotona_test_plugin_wrong_abi.so\n" + "driver_plugin = " + kDir +
          "/kotona_test_plugin_no_entry.so\n" + "driver_plugin = " + kDir + "/missing.so\n" +
          "driver_plugin = " + kDir + "/kotona_test_plugin_bad_readings.so\n",
      "gateway.conf");
  REQUIRE(file);
  Counters counters;
  CHECK(load_driver_plugins(*file, counters) == 1);
  CHECK(counters.get("driver_plugin_refused") == 3);
  CHECK(drivers::find_driver("test_bad_readings") != nullptr);
  CHECK(drivers::find_driver("test_wrong_abi") == nullptr);
}

TEST_CASE("gateway plugins: readings the hub cannot hold -> dropped, counted, reported refused") {
  auto file = ConfigFile::parse("driver_plugin = " + kDir + "/kotona_test_plugin_bad_readings.so\n",
                                "gateway.conf");
  REQUIRE(file);
  Counters counters;
  // Loaded once per process (ctest runs each case alone; the whole binary loads it above).
  if (drivers::find_driver("test_bad_readings") == nullptr) {
    REQUIRE(load_driver_plugins(*file, counters) == 1);
  }
  const auto* driver = drivers::find_driver("test_bad_readings");
  REQUIRE(driver != nullptr);

  std::vector<Reading> committed;
  StepHooks hooks{[&](std::span<const Reading> readings, const std::optional<OutboxCursor>&) {
                    committed.assign(readings.begin(), readings.end());
                    return Result<void>{};
                  },
                  {}};
  boost::asio::io_context io;
  StepRunner runner(GatewayId{"gw-1"}, std::move(hooks), counters);
  NullLink link;
  SessionRun run(io, *driver, "AA:BB:CC:DD:EE:FF", link);
  run.session = driver->make_session(drivers::SessionContext{run.where});
  runner.feed(run, drivers::Input{HubTime{}, drivers::GattValue{0xFFE1, {0x01}}});

  REQUIRE(committed.size() == 1);
  CHECK(std::get<Temperature>(committed[0].measurement).celsius == doctest::Approx(36.6));
  CHECK_FALSE(committed[0].uid.value.empty());
  CHECK(counters.get("device_bad_reading") == 4);
  CHECK(counters.get("readings_captured") == 1);
  std::map<std::string, std::uint64_t> refused;
  for (const auto& r : run.refused) refused[r.reason] = r.count;
  CHECK(refused == std::map<std::string, std::uint64_t>{{"malformed", 2}, {"out_of_range", 2}});
}

}  // namespace
}  // namespace kotona::gateway
