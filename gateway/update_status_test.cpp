// Issue 20 part 6: the updater's rollback tallies reach the heartbeat's counters; a malformed
// status file is counted, not fatal.
#include "gateway/update_status.h"

#include <doctest/doctest.h>

namespace kotona::gateway {
namespace {

std::map<std::string, std::uint64_t> from(std::string_view text) {
  Counters c;
  auto file = ConfigFile::parse(text, "status");
  REQUIRE(file);
  add_update_counters(*file, c);
  return c.snapshot();
}

TEST_CASE("gateway update status: rollbacks become heartbeat counters") {
  auto c = from("state = rolled_back\nupdate_rolled_back = 2\nupdate_rollback_failed = 0\n");
  CHECK(c["update_rolled_back"] == 2);
  CHECK(c.count("update_rollback_failed") == 0);
  CHECK(c.count("update_status_unreadable") == 0);
}

TEST_CASE("gateway update status: a bad tally is counted, the others still read") {
  auto c = from("update_rolled_back = many\nupdate_rollback_failed = 1\n");
  CHECK(c["update_status_unreadable"] == 1);
  CHECK(c["update_rollback_failed"] == 1);
}

TEST_CASE("gateway update status: no file adds nothing") {
  Counters c;
  read_update_status(c, "/nonexistent/kotona-update-status");
  CHECK(c.snapshot().empty());
}

}  // namespace
}  // namespace kotona::gateway
