// HealthSession: what every Bluetooth SIG health-profile driver's DeviceSession shares. It
// reads the device's identity (Device Information Service 1.1: manufacturer 0x2A29, model
// 0x2A24, serial 0x2A25, firmware 0x2A26) and clock (Current Time 0x2A2B), then hands over to
// the profile (subscriptions, RACP, ...). A clock found wrong is set once per connection, when
// the profile says its stored records have drained. Owned by the gateway; event loop only.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/api/descriptor.h"
#include "drivers/api/session.h"

namespace kotona::drivers::gatt {

// How long the identity and clock reads may take before the profile starts without them.
inline constexpr std::chrono::milliseconds kIdentityTimeout{10'000};
// The hub never writes a device clock from a hub time before this instant (release year of the
// oldest supported hub image): such a hub time is an unset RTC, not the time.
inline constexpr HubTime kEarliestTrustedHubTime{std::chrono::sys_days{std::chrono::year{2025} / 1 / 1}};

// A DIS string value as the device identity uses it: trailing NULs and spaces dropped.
std::string dis_text(std::span<const std::uint8_t> bytes);
// The device serial for reading ids: the DIS serial with every character outside
// [A-Za-z0-9._-] replaced by '_' (at most 64); when that is empty, "ble-" + the hex digits of
// the BLE address in `port` ("ble-AABBCCDDEEFF"); "ble-unknown" without either.
DeviceSerial ble_serial(std::string_view dis_serial, std::string_view port);

class HealthSession : public DeviceSession {
 public:
  // start(): reads DIS and Current Time; timer kIdentityTimeout.
  Step start() final;
  // GattValue / GattFailed of the identity reads, then of the profile's characteristics.
  // Connected: ignored. Disconnected: the profile drops unfinished records (on_disconnected).
  // Error kUnsupported for serial input.
  Result<Step> on_input(const Input& input) final;
  Step on_timer() final;

 protected:
  HealthSession(std::string_view driver, const SessionContext& context);

  // Identity and clock are known (or their reads failed / timed out): start the profile.
  virtual void on_ready(HubTime hub_time, Step& step) = 0;
  // A value of a characteristic the profile subscribed to or asked for.
  virtual void on_value(const GattValue& value, HubTime hub_time, Step& step) = 0;
  // A profile read / write / subscribe failed. Default: rejected (kUnsupported) with the reason.
  virtual void on_failed(const GattFailed& failed, HubTime hub_time, Step& step);
  // The profile's timer (set through step.timer in its own calls) expired.
  virtual void on_profile_timer(Step& step) = 0;
  // The link dropped: forget anything half-received (the device sends it again).
  virtual void on_disconnected(Step& /*step*/) {}

  // A reading of this device: identity, driver, hub time, and the clock offset measured from
  // Current Time at connect (unset when the device has no readable clock). `user` (BLE user
  // index, 0xFF = unknown) makes the serial "<serial>.u<user>", so each user of a shared
  // device is enrolled, and attributed, on its own.
  Reading make_reading(Measurement measurement, HubTime hub_time,
                       std::optional<std::uint8_t> user = std::nullopt) const;
  // When Current Time showed the clock off by more than kClockTolerance (from hub time + the
  // device's UTC offset) and it is not yet set: a GattWrite of hub time to 0x2A2B, once. Later
  // readings then get a clock offset of 0. Call when the device's stored records have drained.
  // Never writes a hub time before kEarliestTrustedHubTime (a hub whose RTC died, or a session
  // that has not yet seen any hub time): a wrong device clock is corrected, never replaced by
  // 1970. The refusal is reported once in step.rejected.
  void set_clock_if_wrong(HubTime hub_time, Step& step);
  std::string_view driver() const { return driver_; }
  bool is_ready() const { return ready_; }
  // The device serial (without a user suffix); set once ready.
  const DeviceSerial& serial() const { return identity_.serial; }
  const SessionContext& context() const { return context_; }

 private:
  void on_identity(std::uint16_t uuid, const std::vector<std::uint8_t>* bytes, HubTime hub_time,
                   Step& step);
  void become_ready(HubTime hub_time, Step& step);

  std::string driver_;
  SessionContext context_;
  DeviceIdentity identity_;
  std::string dis_serial_;
  std::set<std::uint16_t> pending_;  // identity reads not yet answered
  bool ready_ = false;
  std::optional<std::chrono::seconds> clock_offset_;  // device clock - (hub + utc offset)
  bool has_clock_ = false;          // Current Time was readable
  bool clock_set_ = false;          // the write is out (or refused: hub time untrusted)
  std::optional<HubTime> last_input_time_;  // hub time of the latest input, for timer paths
};

}  // namespace kotona::drivers::gatt
