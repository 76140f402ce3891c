// Session: the ble_glucose DeviceSession, a Glucose Profile (GLP v1.0.1 §4.9) collector that
// fetches the records stored since the last committed one, resumably. After drivers/gatt's
// HealthSession has read identity and clock it subscribes to 0x2A18, 0x2A34 and RACP 0x2A52,
// then (GLS v1.0.1 §3.4 op codes):
//   no usable cursor:  04 01 number of all records  ->  01 01 report all records
//   cursor N with the fingerprint of record N:  01 04 01 N N (record N only; not a reading)
//                        gone or another record: the counter restarted: 04 01, 01 01 all
//                        the same record (or the request refused): on to 01 06 below
//   cursor N:          01 06 report last record (sequence L; not a reading)
//                        L == N: nothing new          L > N: 04 03 01 N+1, 01 03 01 N+1
//                        L < N:  numbering wrapped or reset: 01 01 report all
// Every record's reading leaves with Step::cursor = its sequence (the outbox commits both in
// one transaction), so an interrupted sync resumes after the last committed record. 30 s
// without a value or response: 03 00 abort. When the transfer ends a wrong clock is set.
// Owned by the gateway; called on its event loop only.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "drivers/ble_glucose/parse.h"
#include "drivers/gatt/health_session.h"

namespace kotona::drivers::ble_glucose {

inline constexpr std::chrono::milliseconds kRacpTimeout{30'000};

// reading_uid record id: "<sequence>-<base time, device seconds since 1970>", or "<sequence>"
// when the base time is not known. The base time keeps two records apart when the device's
// numbering wrapped after 65535 or restarted after a reset.
std::string record_id(const Measurement& m);

// RecordCursor::fingerprint of a record: its measurement value's bytes (0x2A18) in hex. A meter
// sends a stored record with the same bytes every time; one whose counter restarted sends a
// record N of another time or value.
std::string cursor_fingerprint(std::span<const std::uint8_t> measurement);

class Session final : public gatt::HealthSession {
 public:
  explicit Session(const SessionContext& context);

 private:
  enum class Phase {
    kIdle,
    kCheckingCursor,
    kCheckingLast,
    kCounting,
    kReporting,
    kAborting,
    kDone
  };

  void on_ready(HubTime hub_time, Step& step) override;
  void on_value(const GattValue& value, HubTime hub_time, Step& step) override;
  void on_failed(const GattFailed& failed, HubTime hub_time, Step& step) override;
  void on_profile_timer(Step& step) override;
  void on_disconnected(Step& step) override;

  void on_measurement(const GattValue& value, HubTime hub_time, Step& step);
  void on_context(const GattValue& value, Step& step);
  void on_racp(const GattValue& value, Step& step);
  void on_response(std::uint8_t op, std::uint8_t code, Step& step);
  void after_cursor_record(std::uint8_t code, Step& step);
  void after_last_record(std::uint8_t code, Step& step);
  void after_report(std::uint8_t code, Step& step);
  void request(Phase phase, std::vector<std::uint8_t> bytes, Step& step);
  void start_report(Step& step);
  void emit_pending(Step& step);
  void advance_cursor(std::uint16_t sequence, const std::string& fingerprint, Step& step);
  void finish(Step& step);

  Phase phase_ = Phase::kIdle;
  std::optional<std::uint16_t> cursor_;  // last committed sequence (valid for this device)
  std::string cursor_fingerprint_;       // of the record at cursor_ ("" unknown)
  std::string checked_fingerprint_;      // of the record the device has at cursor_ now
  std::optional<std::uint16_t> last_;    // the device's last record, from 01 06
  std::string last_fingerprint_;
  bool report_all_ = false;              // the current report is 01 01 (not 01 03)
  bool fell_back_ = false;               // a filtered request was refused once already
  std::optional<std::uint16_t> expected_;  // number of records the device announced
  std::uint16_t received_ = 0;             // records of the current report
  std::optional<Reading> pending_;         // waiting for its context
  std::uint16_t pending_sequence_ = 0;
  std::string pending_fingerprint_;
  HubTime last_hub_time_{};
};

}  // namespace kotona::drivers::ble_glucose
