#include "gateway/step_runner.h"

#include <boost/asio/co_spawn.hpp>

#include "core/log.h"
#include "gateway/reading_gate.h"
#include "gateway/refused_records.h"

namespace kotona::gateway {

namespace {
constexpr std::string_view kLog = "devices";
}  // namespace

HubTime hub_now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

void spawn_device_loop(boost::asio::io_context& io, boost::asio::awaitable<void> loop,
                       std::string name) {
  boost::asio::co_spawn(io, std::move(loop), [name = std::move(name)](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log_error(kLog, name + ": device loop ended: " + ex.what());
    }
  });
}

wire::DeviceStatus SessionRun::status() const {
  wire::DeviceStatus out{serial, std::string(driver.name), where, state, last_seen, refused,
                         skipped};
  if (state == "error") {
    out.error = error;
    out.error_since = error_since;
  }
  return out;
}

void SessionRun::fail(std::string reason, HubTime now) {
  if (state != "error") error_since = now;
  state = "error";
  error = std::move(reason);
}

StepRunner::StepRunner(GatewayId gateway, StepHooks hooks, Counters& counters)
    : gateway_(std::move(gateway)), hooks_(std::move(hooks)), counters_(counters) {}

StepRunner::~StepRunner() { *alive_ = false; }

bool StepRunner::execute(SessionRun& run, drivers::Step step) {
  // Skipped values are counted whatever becomes of the Step: they never come again.
  for (const auto& name : step.skipped) counters_.add("device_skipped_" + name);
  tally_skipped(run.skipped, step.skipped, hub_now());
  // (a) Readings and the cursor first, in one transaction (invariant 1).
  if (!commit(run, step)) {
    if (!step.commands.empty()) counters_.add("device_commands_withheld", step.commands.size());
    for (const auto& error : step.rejected) count_rejected(run, error);
    arm_timer(run, step.timer);
    // Not stored: the link answers at once. A serial session refuses (ASTM: NAK) so the meter
    // keeps the record without waiting out its reply timeout; that refusal has no readings.
    auto answer = run.link.on_commit_failed();
    if (!run.session) {
      arm_timer(run, std::nullopt);
    } else if (answer && answer->readings.empty()) {
      execute(run, std::move(*answer));
    }
    return false;
  }
  // (b) Commands only after the commit: the device forgets a record once it is acknowledged.
  carry_commands(run, step.commands);
  // (c) Rejected input: logged and counted, the session carries on. Refused records the device
  // was told it delivered go to the heartbeat; uncommitted ones come again.
  for (const auto& error : step.rejected) count_rejected(run, error);
  tally_refused(run.refused, step.refused_records, hub_now());
  // A stored reading ends the device's run of skipped values (the strap is on the skin again).
  if (!step.readings.empty()) run.skipped.clear();
  // (d) The session's next timer.
  arm_timer(run, step.timer);
  if (!step.readings.empty() && hooks_.on_committed) hooks_.on_committed();
  return true;
}

void StepRunner::refuse_bad_readings(SessionRun& run, drivers::Step& step) {
  std::erase_if(step.readings, [&](const Reading& r) {
    auto ok = check_driver_reading(r);
    if (ok) return false;
    // The driver lost a record the device counts as delivered: reported like a refused one.
    counters_.add("device_bad_reading");
    log_error(kLog, run.name() + ": driver gave a reading the hub cannot hold, dropped: " +
                        describe(ok.error()));
    step.refused_records.push_back(ok.error());
    return true;
  });
}

bool StepRunner::commit(SessionRun& run, drivers::Step& step) {
  refuse_bad_readings(run, step);
  if (step.readings.empty() && !step.cursor) return true;
  for (auto& r : step.readings) finalize_reading(gateway_, r);
  std::optional<OutboxCursor> cursor;
  if (step.cursor) {
    cursor = OutboxCursor{std::string(run.driver.name), run.where, step.cursor->serial.value,
                          step.cursor->sequence, step.cursor->fingerprint};
  }
  auto result = hooks_.commit(step.readings, cursor);
  if (!result) {
    counters_.add("outbox_commit_failed");
    log_error(kLog, run.name() + ": " + std::to_string(step.readings.size()) +
                        " readings not committed; the device is not acknowledged and sends them "
                        "again: " +
                        describe(result.error()));
    return false;
  }
  if (!step.readings.empty()) {
    counters_.add("readings_captured", step.readings.size());
    run.link.on_readings_committed();
  }
  if (cursor) {
    run.serial = cursor->serial;
  } else if (!step.readings.empty()) {
    run.serial = step.readings.back().device.serial.value;
  }
  return true;
}

void StepRunner::carry_commands(SessionRun& run, std::vector<drivers::Command>& commands) {
  for (auto& command : commands) {
    if (!run.link.carry(command)) {
      counters_.add("device_unsupported_command");
      log_warn(kLog, run.name() + ": its link cannot carry this kind of command; dropped");
    }
  }
}

void StepRunner::feed(SessionRun& run, const drivers::Input& input) {
  auto step = run.session->on_input(input);
  if (step) {
    execute(run, std::move(*step));
  } else {
    count_rejected(run, step.error());
  }
}

void StepRunner::count_rejected(const SessionRun& run, const Error& error) {
  counters_.add("device_rejected_" + std::string(to_string(error.code)));
  log_warn(kLog, run.name() + ": input rejected: " + describe(error));
}

void StepRunner::arm_timer(SessionRun& run, std::optional<std::chrono::milliseconds> after) {
  std::uint64_t generation = ++run.timer_generation;
  run.timer.cancel();
  if (!after || stopping_) return;
  run.timer.expires_after(*after);
  run.timer.async_wait([this, &run, generation, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive || stopping_ || generation != run.timer_generation || !run.session) return;
    execute(run, run.session->on_timer());
  });
}

}  // namespace kotona::gateway
