// The plugin loader (issue 21): a broken plugin is refused with a reason naming the path and
// what is wrong, never registered, never a crash; a good one is listed after the built-in
// drivers. The plugins are test_plugins/test_plugin.cpp's variants.
#include "drivers/registry/plugins.h"

#include <doctest/doctest.h>

#include <fstream>

#include "drivers/api/plugin.h"
#include "drivers/registry/registry.h"

namespace kotona::drivers {
namespace {

const std::string kDir = KOTONA_TEST_PLUGIN_DIR;

std::string refusal(const std::string& path) {
  const auto before = all_drivers().size();
  auto loaded = load_driver_plugin(path);
  CHECK(all_drivers().size() == before);  // nothing registered
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().code == Errc::kConfig);
  CHECK(loaded.error().detail.find(path) != std::string::npos);
  return loaded.error().detail;
}

TEST_CASE("registry plugins: a good plugin -> listed after the built-in drivers, found by name") {
  const auto before = all_drivers().size();
  auto loaded = load_driver_plugin(kDir + "/kotona_test_plugin_bad_readings.so");
  REQUIRE_MESSAGE(loaded, loaded.error().detail);
  CHECK(all_drivers().size() == before + 1);
  CHECK(all_drivers().back() == *loaded);
  CHECK(find_driver("test_bad_readings") == *loaded);
  CHECK((*loaded)->make_session(SessionContext{"AA"}) != nullptr);
  // The same plugin again claims its own name: refused, still listed once.
  CHECK(refusal(kDir + "/kotona_test_plugin_bad_readings.so").find("claims the name") !=
        std::string::npos);
}

TEST_CASE("registry plugins: built for another ABI -> refused, both ABI strings in the text") {
  const auto why = refusal(kDir + "/kotona_test_plugin_wrong_abi.so");
  CHECK(why.find("kotona-driver-abi-0 gcc 4.2") != std::string::npos);
  CHECK(why.find(KOTONA_DRIVER_PLUGIN_ABI) != std::string::npos);
  CHECK(find_driver("test_wrong_abi") == nullptr);
}

TEST_CASE("registry plugins: no entry points -> refused, says kotona_driver_target") {
  CHECK(refusal(kDir + "/kotona_test_plugin_no_entry.so").find("kotona_driver_target") !=
        std::string::npos);
}

TEST_CASE("registry plugins: a built-in driver's name or BLE service -> refused, names it") {
  CHECK(refusal(kDir + "/kotona_test_plugin_name_taken.so").find("claims the name ble_bp") !=
        std::string::npos);
  CHECK(refusal(kDir + "/kotona_test_plugin_service_taken.so")
            .find("claims a BLE service of ble_bp") != std::string::npos);
}

TEST_CASE("registry plugins: missing file, not a shared object -> refused, dlopen's reason") {
  CHECK(refusal(kDir + "/no_such_plugin.so").find("No such file") != std::string::npos);
  const std::string junk = kDir + "/junk_plugin.so";
  std::ofstream(junk) << "not an ELF file\n";
  CHECK_FALSE(refusal(junk).empty());
}

TEST_CASE(
    "registry plugins: CLI arguments -> a plugin that fails stops them, none leaves them as "
    "given") {
  auto rest = load_plugin_args({"acme_thermo", "dir", "--write"});
  REQUIRE(rest);
  CHECK(*rest == std::vector<std::string>{"acme_thermo", "dir", "--write"});
  CHECK_FALSE(load_plugin_args({"--plugin", kDir + "/kotona_test_plugin_wrong_abi.so", "x"}));
}

}  // namespace
}  // namespace kotona::drivers
