// Invariants 1-4 across a server crash: the gateway keeps capturing while the server is down
// (kill -9, no goodbye), and after restart every delivered reading is stored exactly once.
#include <doctest/doctest.h>

#include <set>

#include "tests/integration/system.h"

using namespace kotona::test;
using namespace std::chrono_literals;

namespace {
std::vector<std::string> measuring_script(int count, int gap_ms) {
  std::vector<std::string> script;
  for (int i = 0; i < count; ++i) {
    int sys = 120 + (i * 7) % 75;  // some at or above 180: alerts must also be exactly once
    script.insert(script.end(), {"measure", std::to_string(sys) + "/" + std::to_string(70 + i % 30) +
                                                "/" + std::to_string(60 + i),
                                 "wait", std::to_string(gap_ms)});
  }
  return script;
}

void check_exactly_once(SystemUnderTest& sys, std::size_t expected) {
  REQUIRE_MESSAGE(eventually([&] { return sys.ledger_uids().size() == expected; }, 60s),
                  sys.diagnostics());
  auto ledger = sys.ledger_uids();
  REQUIRE_MESSAGE(eventually([&] { return sys.server_reading_uids().size() >= expected; }, 60s),
                  sys.diagnostics());
  auto stored = sys.server_reading_uids();
  std::set<std::string> ledger_set(ledger.begin(), ledger.end());
  CHECK(ledger_set.size() == expected);  // the device never delivered a record twice
  for (const auto& uid : ledger) {
    CHECK_MESSAGE(stored[uid] == 1, uid);  // not lost, not duplicated
  }
  CHECK(stored.size() == expected);  // nothing the device did not send
  CHECK_MESSAGE(eventually([&] { return sys.outbox_rows() == 0; }, 30s), sys.diagnostics());
}
}  // namespace

TEST_CASE("server killed mid-stream and restarted -> every reading stored exactly once") {
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({"BPSIM0001"});
  sys.start_device({"BPSIM0001", measuring_script(20, 250), {}});
  sys.start_gateway();

  REQUIRE_MESSAGE(eventually([&] { return sys.server_reading_uids().size() >= 3; }, 30s),
                  sys.diagnostics());
  sys.kill_server();
  // The hub keeps capturing: the device hears its ACKs while the server is down.
  std::size_t before = sys.ledger_uids().size();
  REQUIRE_MESSAGE(eventually([&] { return sys.ledger_uids().size() >= before + 4; }, 20s),
                  sys.diagnostics());
  sys.start_server({});
  check_exactly_once(sys, 20);
}

TEST_CASE("server stopped cleanly and gateway killed -> every reading stored exactly once") {
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({"BPSIM0001"});
  sys.start_device({"BPSIM0001", measuring_script(16, 250), {}});
  sys.start_gateway();

  REQUIRE_MESSAGE(eventually([&] { return sys.server_reading_uids().size() >= 2; }, 30s),
                  sys.diagnostics());
  sys.stop_server();
  std::size_t before = sys.ledger_uids().size();
  REQUIRE(eventually([&] { return sys.ledger_uids().size() >= before + 3; }, 20s));
  sys.kill_gateway();  // unacked rows sit in the outbox; the device re-sends what it missed
  sys.start_server({});
  sys.start_gateway();
  check_exactly_once(sys, 16);
}
