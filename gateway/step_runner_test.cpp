// StepRunner's counting of values a driver skips by design (Step::skipped; issue 21: the
// heart-rate strap off the skin): counted as device_skipped_<name>, also when the Step's
// commit fails, since the device never sends those values again.
#include "gateway/step_runner.h"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

namespace kotona::gateway {
namespace {

struct NullLink final : DeviceLink {
  bool carry(drivers::Command&) override { return true; }
  std::optional<drivers::Step> on_commit_failed() override { return std::nullopt; }
  void on_readings_committed() override {}
};

// A strap's session run whose outbox commit succeeds while `commit_ok`.
struct Strap {
  bool commit_ok = true;
  Counters counters;
  boost::asio::io_context io;
  StepRunner runner{GatewayId{"gw-1"},
                    StepHooks{[this](std::span<const Reading>, const std::optional<OutboxCursor>&) {
                                return commit_ok ? Result<void>{} : fail(Errc::kIo, "disk full");
                              },
                              {}},
                    counters};
  NullLink link;
  drivers::DriverDescriptor driver{named("test_strap")};
  SessionRun run{io, driver, "AA:BB:CC:DD:EE:FF", link};
  static drivers::DriverDescriptor named(const char* name) {
    drivers::DriverDescriptor d;
    d.name = name;
    return d;
  }
};

TEST_CASE("step runner: skipped values -> device_skipped_<name> counted, commit or not") {
  Strap strap;
  auto& [commit_ok, counters, io, runner, link, driver, run] = strap;
  drivers::Step step;
  step.skipped = {"no_skin_contact", "no_skin_contact"};
  CHECK(runner.execute(run, step));
  CHECK(counters.get("device_skipped_no_skin_contact") == 2);
  step.cursor = drivers::RecordCursor{DeviceSerial{"S1"}, 1};  // something to commit
  commit_ok = false;
  CHECK_FALSE(runner.execute(run, step));
  CHECK(counters.get("device_skipped_no_skin_contact") == 4);
  CHECK(run.refused.empty());  // a skip is no refused record
}

TEST_CASE(
    "step runner: skipped values -> the device's current run of them in its status (count, first, "
    "latest), ended by a stored reading, not by a failed commit") {
  Strap strap;
  auto& [commit_ok, counters, io, runner, link, driver, run] = strap;
  drivers::Step loose;
  loose.skipped = {"no_skin_contact"};
  CHECK(runner.execute(run, loose));
  const auto first = run.status().skipped.at(0).since;
  CHECK(runner.execute(run, loose));
  auto status = run.status();
  REQUIRE(status.skipped.size() == 1);
  CHECK(status.skipped[0].reason == "no_skin_contact");
  CHECK(status.skipped[0].count == 2);
  CHECK(status.skipped[0].since == first);
  CHECK(status.skipped[0].last >= first);
  drivers::Step good;
  Reading r;
  r.device.serial = DeviceSerial{"HR1"};
  good.readings.push_back(r);
  commit_ok = false;
  CHECK_FALSE(runner.execute(run, good));
  CHECK(run.status().skipped.size() == 1);  // not stored: the run goes on
  commit_ok = true;
  CHECK(runner.execute(run, good));
  CHECK(run.status().skipped.empty());
  CHECK(runner.execute(run, loose));
  CHECK(run.status().skipped.at(0).count == 1);  // a new run
}

}  // namespace
}  // namespace kotona::gateway
