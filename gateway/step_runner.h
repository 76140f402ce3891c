// StepRunner: carries out a driver session's Steps in the order invariant 1 needs, the same
// for every transport: (a) the readings, and the session's record cursor when it names one,
// committed in ONE outbox transaction; (b) the commands only after that commit (a device
// forgets a record once it is acknowledged); (c) rejected input counted and refused records
// tallied for the heartbeat; (d) the session's next timer armed. What a link does differently
// — which commands it can carry, how it answers a failed commit — is its DeviceLink's.
// SerialDevices and BleDevices each own one. Gateway io_context thread only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/counters.h"
#include "core/reading.h"
#include "core/result.h"
#include "drivers/api/descriptor.h"
#include "drivers/api/session.h"
#include "gateway/outbox/outbox.h"
#include "proto/codec/wire.h"

namespace kotona::gateway {

struct StepHooks {
  // Stores the readings and, when set, the cursor in ONE transaction. An error means nothing
  // was stored: the Step's commands are withheld and the link answers (DeviceLink).
  std::function<Result<void>(std::span<const Reading>, const std::optional<OutboxCursor>&)> commit;
  // Called after a successful commit of at least one reading (pokes the uplink).
  std::function<void()> on_committed;
};

// What differs per transport. Implemented by each transport's device.
class DeviceLink {
 public:
  virtual ~DeviceLink() = default;
  // Sends one command to the device; false when this link cannot carry its kind.
  virtual bool carry(drivers::Command& command) = 0;
  // A Step's commit failed (already logged and counted). Returns the Step to carry out in its
  // place, if any: a serial session's refusal (ASTM: NAK at once). A link that drops the
  // session instead (BLE: the device sends again from the stored cursor) resets it.
  virtual std::optional<drivers::Step> on_commit_failed() = 0;
  // At least one reading was committed (BLE: a committed reading clears needs_pairing).
  virtual void on_readings_committed() = 0;
};

// One device's session and the state its heartbeat entry shows, whatever its transport.
struct SessionRun {
  SessionRun(boost::asio::io_context& io, const drivers::DriverDescriptor& d, std::string at,
             DeviceLink& l)
      : driver(d), where(std::move(at)), link(l), timer(io) {}
  std::string name() const { return std::string(driver.name) + " at " + where; }
  wire::DeviceStatus status() const;
  // State "error": plugged in (or found) and nothing reads it. `reason` is a class the server
  // translates (DeviceStatus.error); the episode's start is kept while the state stays "error".
  void fail(std::string reason, HubTime now);

  const drivers::DriverDescriptor& driver;
  std::string where;  // the port's path or the BLE address: the cursor's key
  DeviceLink& link;
  std::unique_ptr<drivers::DeviceSession> session;
  boost::asio::steady_timer timer;  // the session's on_timer()
  std::uint64_t timer_generation = 0;
  std::string state = "absent";
  std::string serial;  // the last committed reading's or cursor's; "" until then
  std::optional<HubTime> last_seen;
  std::vector<wire::RefusedRecords> refused;  // records its driver refused (issue 13)
  std::vector<wire::SkippedValues> skipped;   // values skipped since its last stored reading
  std::string error;                          // fail()'s reason, while state == "error"
  HubTime error_since{};                      // when state last became "error"
};

class StepRunner {
 public:
  // REQUIRES: `counters` outlives this object; hooks.commit is set.
  StepRunner(GatewayId gateway, StepHooks hooks, Counters& counters);
  ~StepRunner();
  StepRunner(const StepRunner&) = delete;
  StepRunner& operator=(const StepRunner&) = delete;

  // Carries out `step` for `run` in invariant 1's order. False when its commit failed.
  bool execute(SessionRun& run, drivers::Step step);
  // Hands `input` to the session and carries out its Step, or counts the rejection.
  void feed(SessionRun& run, const drivers::Input& input);
  void count_rejected(const SessionRun& run, const Error& error);
  // Re-arms the session's timer (nullopt: cancels it). A stale expiry is ignored.
  void arm_timer(SessionRun& run, std::optional<std::chrono::milliseconds> after);
  // No more timers fire or are armed. Idempotent.
  void stop() { stopping_ = true; }
  bool stopping() const { return stopping_; }

 private:
  bool commit(SessionRun& run, drivers::Step& step);
  // Drops the readings check_driver_reading() refuses: counted, logged, tallied as refused.
  void refuse_bad_readings(SessionRun& run, drivers::Step& step);
  void carry_commands(SessionRun& run, std::vector<drivers::Command>& commands);

  GatewayId gateway_;
  StepHooks hooks_;
  Counters& counters_;
  bool stopping_ = false;
  // Checked by timer handlers; this object and each pending handler are the owners.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

HubTime hub_now();
// Starts a device's coroutine; an exception escaping it (a bug: the loops catch nothing they
// expect) is logged with the device's name.
void spawn_device_loop(boost::asio::io_context& io, boost::asio::awaitable<void> loop,
                       std::string name);

}  // namespace kotona::gateway
