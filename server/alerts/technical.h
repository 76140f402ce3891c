// Technical alerts: the delivery chain itself is failing, so readings may be waiting somewhere
// or not being taken at all. Pure functions from what the server knows (gateway heartbeats,
// last readings, broker counters) and the current time to alert drafts; no IO, no clock.
// Each draft carries an episode key (the instant the condition began, as far as the server
// can tell), so re-evaluating the same ongoing condition gives the same alert id and the
// store keeps ONE alert per episode. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/reading.h"
#include "server/alerts/rules.h"

namespace kotona::server::alerts {

inline constexpr std::string_view kGatewaySilentRule = "gateway.silent";
inline constexpr std::string_view kOutboxBacklogRule = "gateway.outbox_backlog";
inline constexpr std::string_view kDeviceSilentRule = "device.silent";
inline constexpr std::string_view kDeviceNeedsPairingRule = "device.needs_pairing";
inline constexpr std::string_view kBrokerDroppedRule = "broker.dropped_messages";
inline constexpr std::string_view kMeasurementMissedRule = "measurement.missed";
inline constexpr std::string_view kReadingUidConflictRule = "reading.uid_conflict";
inline constexpr std::string_view kGatewayDiskFullRule = "gateway.disk_full";
inline constexpr std::string_view kGatewayDiskLowRule = "gateway.disk_low";
inline constexpr std::string_view kDeviceRecordRefusedRule = "device.record_refused";
inline constexpr std::string_view kDeviceNoSkinContactRule = "device.no_skin_contact";
inline constexpr std::string_view kDeviceUnreadableRule = "device.unreadable";
// System alerts (no patient: admins), raised by server/store/technical_alerts.h.
inline constexpr std::string_view kStoreUnwritableRule = "store.unwritable";
inline constexpr std::string_view kLoginAttackRule = "security.login_attack";

struct TechnicalConfig {
  // No heartbeat or batch for this long -> gateway.silent. Gateways send a heartbeat every
  // status_interval_ms (30 s default), so 5 minutes is ten missed heartbeats.
  std::chrono::seconds gateway_silent_after{300};
  // A heartbeat reporting at least this many unacked readings, or an oldest unacked reading
  // at least this old (gateway clock, sent time minus oldest: clock errors cancel out) ->
  // gateway.outbox_backlog.
  std::uint64_t outbox_backlog_rows = 1000;
  std::chrono::seconds outbox_backlog_age{3600};
  // A device that has given only "no skin contact" values (a heart-rate strap worn loose or
  // off) for this long, with no stored reading between -> device.no_skin_contact.
  std::chrono::seconds no_skin_contact_after{600};
  // A device the hub reports in state "error" (plugged in, the hub cannot open or read it)
  // for this long by the hub's clock -> device.unreadable. Short blips (udev still setting
  // the node's group at plug-in) stay below it.
  std::chrono::seconds device_unreadable_after{300};
};

// What the server knows of one gateway. `last_heard`: server receive time of its last
// heartbeat; nullopt if never heard.
struct GatewayView {
  GatewayId gateway;
  std::optional<HubTime> last_heard;
  std::uint64_t outbox_depth = 0;
  std::int64_t status_sent_unix_ms = 0;      // gateway clock
  std::int64_t oldest_unacked_unix_ms = 0;   // gateway clock; 0 = outbox empty
  struct Refused {  // records the hub refused for one reason since it started (issue 13)
    std::string reason;
    std::uint64_t count = 0;
    std::int64_t last_unix_ms = 0;  // gateway clock
  };
  struct Device {
    std::string serial;
    std::string state;                 // "connected", "absent", "error", "needs_pairing", ...
    std::int64_t last_seen_unix_ms = 0;  // gateway clock
    std::vector<Refused> refused = {};
    std::string port = {};  // names the device while its serial is not known
    struct Skipped {        // the current run of values the driver skipped for one reason
      std::string reason;
      std::uint64_t count = 0;
      std::int64_t since_unix_ms = 0;  // gateway clock: the run's first
      std::int64_t last_unix_ms = 0;   // gateway clock: its latest
    };
    std::vector<Skipped> skipped = {};
    std::string error = {};                // state "error": the hub's class of why
    std::int64_t error_since_unix_ms = 0;  // gateway clock; 0 from older hubs
  };
  std::vector<Device> devices;
  std::vector<PatientId> patients;  // enrolled on this gateway now; alerts go to each
  // The hub's outbox disk from its last heartbeat: "ok", "low", "full" ("" from older hubs).
  std::string storage_state;
  std::int64_t storage_full_since_unix_ms = 0;  // gateway clock
  std::uint64_t storage_available_bytes = 0;
  // The hub updater's totals in that heartbeat's counters (update_alerts.h, issue 20 part 6):
  // 0 when it names none; nullopt when never heard, or the heartbeat or counter is unreadable.
  std::optional<std::uint64_t> update_rolled_back;
  std::optional<std::uint64_t> update_rollback_failed;
};

// A device the care plan expects a reading from at least every `cadence` (config `expect`).
struct ExpectedDevice {
  GatewayId gateway;
  DeviceSerial serial;
  PatientId patient;
  std::chrono::seconds cadence{0};
  HubTime watched_since{};                 // expectation start (server start / enrolment)
  std::optional<HubTime> last_reading;     // server receive time of its newest reading
};

struct TechnicalDraft {
  std::string rule_id;
  Priority priority = Priority::kMedium;
  std::string subject;      // "gw-1" or "gw-1/BP123" or "broker"
  PatientId patient;        // empty: a system alert (no one patient)
  std::string episode;      // stable while the condition lasts
  std::string message;
  std::vector<std::pair<std::string, double>> threshold;
  AlertValues values;  // what `message` says (rules.h), for the page's templates
  // "tech/<rule>/<subject>/<episode>/<patient>": the deterministic alert id.
  std::string alert_id() const;
  friend bool operator==(const TechnicalDraft&, const TechnicalDraft&) = default;
};

// gateway.silent (high: every reading of its patients is stuck or not taken) when nothing was
// heard for config.gateway_silent_after, counting from `listening_since` if later (the server
// cannot hear anyone while it or its broker link is down, which is not the gateway's fault;
// a gateway never heard at all is counted from there too);
// gateway.outbox_backlog (medium); device.needs_pairing (medium) per device in that state;
// gateway.disk_full (high: new readings cannot be stored on the hub; the meters keep them)
// and gateway.disk_low (low) from the heartbeat's storage state; device.record_refused (medium)
// per device and reason the hub refused records for (a measured value that did not arrive:
// invariant 13), one episode per latest refusal, grouped per device; device.no_skin_contact
// (medium) per device whose current run of "no_skin_contact" values has lasted
// config.no_skin_contact_after (hub clock, first to latest: the wearer gets no heart rate
// measured), one episode per run; device.unreadable (medium) per device the heartbeat shows in
// state "error" for config.device_unreadable_after (hub clock, error_since to the heartbeat's
// sending: a meter plugged in that nothing reads, its readings reaching no one), one episode
// per error_since (a hub from before DeviceStatus.error_since gives none).
// One draft per enrolled patient (or one system draft when none is enrolled).
std::vector<TechnicalDraft> evaluate_gateway(const GatewayView& gateway, HubTime now,
                                             HubTime listening_since,
                                             const TechnicalConfig& config);

// device.silent (medium) when no reading came for 1.5 x cadence (from the later of the last
// reading and watched_since).
std::optional<TechnicalDraft> evaluate_device(const ExpectedDevice& device, HubTime now);

// A measurement the care plan expects from a patient at least every `every` (config `due`,
// e.g. INR weekly), whatever device takes it. `kind` as stored ("inr", "bp", "glucose", ...).
struct DueMeasurement {
  PatientId patient;
  std::string kind;
  std::chrono::seconds every{0};
  HubTime watched_since{};                // server start (it cannot know about earlier)
  std::optional<HubTime> last_measured;   // measured time of the newest such reading
};

// measurement.missed (medium) once the due date (last measured + every; without any, the
// watch start + every) has passed.
std::optional<TechnicalDraft> evaluate_due(const DueMeasurement& due, HubTime now);

// broker.dropped_messages (high): the broker's $SYS publish/messages/dropped counter rose
// from `previous` to `current`; a lower `current` means the broker restarted (counter reset)
// and every drop it counts is new. nullopt when nothing new was dropped.
std::optional<TechnicalDraft> evaluate_broker_drops(std::optional<std::uint64_t> previous,
                                                    std::uint64_t current);

// Two different readings arrived with the same reading_uid (issue 13): the first is stored
// under it, the later one under `derived_uid`, flagged uid_conflict. Values are the store's
// values_json texts; device times in device seconds (nullopt: none sent).
struct UidConflict {
  GatewayId gateway;
  DeviceSerial serial;
  PatientId patient;
  std::string reading_uid;
  std::string derived_uid;
  std::string stored_values;
  std::optional<std::int64_t> stored_device_s;
  std::string new_values;
  std::optional<std::int64_t> new_device_s;
};

// reading.uid_conflict (high: one of two stored values may not be the patient's measurement,
// and the clinician cannot tell which without asking) to the patient's care team, naming both
// values. Subject "<gateway>/<serial>" (a device reset's conflicts group into one alert),
// episode the derived uid.
TechnicalDraft evaluate_uid_conflict(const UidConflict& conflict);

}  // namespace kotona::server::alerts
