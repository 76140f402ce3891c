#include "core/config_file.h"

#include <doctest/doctest.h>

using namespace kotona;

TEST_CASE("ConfigFile: keys, comments, repeats -> parsed") {
  auto cfg = ConfigFile::parse("# hub\ngateway_id = gw-1\n\nport = a\nport = b\n", "t.conf");
  REQUIRE(cfg);
  CHECK(*cfg->get("gateway_id") == "gw-1");
  CHECK(cfg->all("port").size() == 2);
  CHECK_FALSE(cfg->get("port"));  // given twice
  CHECK(cfg->get_or("missing", "x") == "x");
}

TEST_CASE("ConfigFile: line without '=' -> kConfig naming file and line") {
  auto cfg = ConfigFile::parse("a = 1\nnonsense\n", "t.conf");
  REQUIRE_FALSE(cfg);
  CHECK(cfg.error().code == Errc::kConfig);
  CHECK(cfg.error().detail.find("t.conf:2") != std::string::npos);
}

TEST_CASE("ConfigFile: get_int not a number or out of range -> kConfig") {
  auto cfg = ConfigFile::parse("a = 12x\nb = 99\n", "t.conf");
  REQUIRE(cfg);
  CHECK_FALSE(cfg->get_int("a", 0, 0, 100));
  CHECK_FALSE(cfg->get_int("b", 0, 0, 50));
  CHECK(*cfg->get_int("b", 0, 0, 100) == 99);
  CHECK(*cfg->get_int("c", 7, 0, 100) == 7);
}

TEST_CASE("ConfigFile: unknown key -> reported") {
  auto cfg = ConfigFile::parse("gateway_id = g\ngatway_idd = h\n", "t.conf");
  REQUIRE(cfg);
  auto unknown = cfg->unknown_keys({"gateway_id"});
  REQUIRE(unknown.size() == 1);
  CHECK(unknown[0].key == "gatway_idd");
}
